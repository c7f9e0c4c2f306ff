"""Triage: the first thing done with every free-text message, over the whole message.

Outcomes, most serious first:

- ``crisis``: thoughts of suicide or self-harm. The reply is help (crisis lines), never content.
- ``urgent``: an emergency sign (bladder or bowel control, saddle numbness, legs or a foot that
  fail, numbness, chest pain or breathlessness with back pain, tearing pain, fever, a fall or
  an accident, sudden severe pain).
- ``see_doctor``: spasms or pain that keep coming back, get worse or last for weeks.

Two layers decide. Rules read each sentence on folded, typo-corrected words, skip what is
negated ("no fever", "not numb"), past, someone else's past event, feared rather than felt
("afraid of falling") or a figure of speech, and keep general questions ("can a fall hurt my
back?") as questions. A small trained classifier (``bot/core/triage_model.py``) reads the same
sentences and can raise crisis or urgent for wording no rule names; it never lowers what a rule
found, and raises a crisis over a sign the rules found only where it sees no emergency itself.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.core.textnorm import Corrector

CRISIS = "crisis"
URGENT = "urgent"
SEE_DOCTOR = "see_doctor"
LEVELS = (CRISIS, URGENT, SEE_DOCTOR)

# The article entry that goes with each emergency sign (None: the article has nothing on it).
REASON_ENTRIES: dict[str, str | None] = {
    "bladder": "pinched", "saddle": "pinched", "legs": "pinched", "numbness": "pinched", "chest": None,
    "tearing": None, "fever": "infection", "trauma": "injury", "severe": "doctor", "overdose": "meds",
    "pregnancy": None, "unspecified": None,
}


@dataclass(frozen=True, slots=True)
class Triage:
    level: str  # crisis, urgent or see_doctor
    reason: str  # crisis, an urgent reason (REASON_ENTRIES; "unspecified" from the classifier) or "recurring"
    source: str = "rules"  # "rules" or "model"

    @property
    def entry_id(self) -> str | None:
        if self.level == SEE_DOCTOR:
            return "doctor"
        return REASON_ENTRIES.get(self.reason) if self.level == URGENT else None


class SentenceModel(Protocol):
    """Scores one sentence: the probability of each level in ``LEVELS``."""

    def scores(self, sentences: list[str]) -> list[dict[str, float]]: ...


# -- words ----------------------------------------------------------------------------------
NEGATORS = frozenset("""
no not without never nor dont doesnt didnt isnt arent wasnt werent havent hasnt hadnt neither none zero
denies deny aint cannot
""".split())
# Words that end a negation's reach: "no fever but my legs are numb".
SCOPE_BREAKERS = frozenset("but though although however except yet apart besides".split())
NEGATION_REACH = 5

QUESTION_START = frozenset("""
can could would will does do did is are should may might what whats how hows why when which whens
""".split())
# Words that turn a question into a report of what is happening now ("could it be my disc,
# my legs went numb this morning").
REPORT_MARKERS = frozenset("""
yesterday today tonight now currently since ago morning lately recently started starting suddenly
still keeps keep kept been went gone weeks days hours last anymore
""".split())
REPORT_PHRASES = re.compile(
    r"\b(is (it|this|that) (just |still |really )?normal|i (have|had|am|was|got|fell|cant|can not|feel|felt|"
    r"woke|think|keep|cannot)|im|ive|my (legs?|feet|foot|"
    r"bladder|back|chest) (is|are|feels?|felt|went|has|have|keeps?))\b")

PAIN = frozenset("""
back spine spinal neck pain painful pains hurt hurts hurting sore ache aches aching achy spasm spasms spasming
cramp cramps cramping tender stiff agony sciatica lumbar
""".split())
BODY_LOW = frozenset("""
leg legs knee knees foot feet thigh thighs calf calves ankle ankles toes toe shin shins
""".split())
ARMS = frozenset("arm arms hand hands finger fingers".split())
SADDLE = frozenset("""
groin crotch genitals genital privates private bum butt buttock buttocks bottom saddle perineum anus vagina
penis scrotum testicles
""".split())
NUMB = frozenset("numb numbness numbed unfeeling".split())
WEAK = frozenset("""
weak weakness weaker buckling buckle buckles buckled collapse collapsing collapsed paralysed paralyzed
paralysis dragging wobbly useless floppy
""".split())
FEVER = frozenset("fever feverish fevers chills shivering shivers rigors febrile".split())
CHILLS = frozenset("chills chill shivering shivers".split())
PREGNANT = frozenset("pregnant pregnancy trimester".split())
BLEEDING = frozenset("bleeding bleed bled blood".split())
SEVERE = frozenset("""
unbearable excruciating agony agonizing agonising intolerable unbearably unendurable
""".split())
SYMPTOM = PAIN | frozenset("""
twitch twitching tight tightness knot knots episode episodes flare flares flareups attacks attack stiffness niggle
niggles twinge twinges ache aches
""".split())
TRAUMA = frozenset("""
accident crash crashed crashing collision collided fall fell fallen falling tumble tumbled whiplash tackled
rearended knocked slipped tripped
""".split())
INCONTINENCE = frozenset("incontinence incontinent".split())
BLADDER = frozenset("""
urine urinate urinating urination pee peeing peed bladder bowel bowels poop pooping pooped stool stools
wee weeing weed faeces feces poo pooed
""".split())
CONTROL_LOSS = frozenset("""
control controlling hold holding leak leaked leaking leaks lost loss cant cannot unable wet
""".split())


COLD_CONTEXT = frozenset("""
cold shower showers ice icepack icy pool swim swimming sea winter weather outside aircon snow rain raining wind
windy freezing chilly frozen frost bus
""".split())
# Subjects that stand for the pain in "it keeps coming back", "this is getting worse".
SUBJECTS = frozenset("it its this thing they them".split())


def _rx(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


_MY = r"(my |both |both my |one |one of my |either |the )?"
_CANT = r"(cant|cannot|can not|couldnt|could not|unable to|not able to|no longer able to|can no longer|can barely)"

CRISIS_PHRASES = _rx(
    r"\bsuicid\w*", r"\bunalive\w*", r"\bsewerslide\b", r"\bkms\b",
    r"\b(kill|killing|killed|hang|hanging|shoot|shooting|drown|poison|poisoning) (my ?self|me self)\b",
    r"\b(end|ending|ended|take|taking|took) (my|my own) life\b",
    r"\b(end|ending|finish|finishing) (it|it all|everything|things|this life)( all)?( for good| now| tonight)?$",
    r"\b(end|ending|finish|finishing) (it|it all|everything|things) (for good|now|tonight|once and for all)\b",
    r"\bend it all\b", r"\bput an end to (it|it all|my life|everything|myself)\b",
    r"\b(want|wanna|wanted|wish|wishing|going|ready|plan|planning|thinking about|thought about) (to )?die\b",
    r"\b(want|wanna|wish) (i|to) (was|were|be) dead\b", r"\bwish i (was|were|wasnt|werent) (dead|alive|born|here)\b",
    r"\bwish i (could )?(would|could)? ?(just )?(not wake|never wake|die|disappear)\b",
    r"\b(better off|be better) (dead|without me|if i (was|were|wasnt|werent) (here|around|gone|alive))\b",
    r"\b(no|any|nothing to|no more) (reason|point|purpose) (to|in|of) (live|living|go on|going on|carry on|"
    r"carrying on|being alive|staying alive|life)\b",
    r"\b(no|any|nothing to|no more) (reason|point|purpose) (to|in|of) (keep|go on|carry on) (living|going|on)\b",
    r"\b(thinking|think|thought|dream\w*|fantasi\w*) (about|of) (just )?(jumping|stepping off|swerving|crashing|"
    r"driving into|hanging|drowning|overdosing|cutting|not waking|ending (it|my life|things|everything)|dying)\b",
    r"\b(dont|do not|no longer|not) (want|wanna|wish) (to )?(live|be alive|be here|exist|go on|wake up|be around|"
    r"carry on|keep going|keep living)( anymore| any more)?\b",
    r"\b(cant|cannot|can not) (go on|keep going|carry on|take (it|this|this pain|the pain|much more|any more|"
    r"anymore)) (anymore|any more|like this|much longer|living like this)\b",
    r"\b(life|living) (is not|isnt|aint|not) worth( it| living)?\b", r"\bnot worth living\b",
    r"\b(hurt|hurting|harm|harming|cut|cutting|burn|burning|starve|starving) (my ?self|myself)\b"
    r"(?! (shaving|cooking|chopping|by accident|on (a|the|my)|while|in the kitchen|at work|lifting|moving|playing|"
    r"at (the )?(gym|work|football|rugby|training|practice)|during|doing|when|working|gardening|exercising|running|"
    r"training|pulling|picking|carrying|bending|twisting|reaching))",
    r"\bself ?(harm|harming|injury|injure)\b",
    r"\b(overdos\w*|od ing|od on)\b",
    r"\b(take|taking|swallow|swallowing|down|downing) (all|the whole|a whole|every one of) (of )?(my |the |these |"
    r"those )?(pills|tablets|meds|bottle|pack|packet|box)\b",
    r"\b(jump|jumping) (off|in front of|from) (a |the |my )?(bridge|roof|building|train|balcony|cliff)\b",
    r"\b(in front of|under) a (train|bus|truck)\b",
    r"\b(rather|prefer to|prefer) (be dead|die|not exist|not be alive|not be here)\b",
    r"\bgive up on (life|living|everything)\b",
    r"\bno (way|point) (out|going on|living)\b",
    r"\b(thoughts?|thinking|ideas?) (of|about) (death|dying|ending (it|my life|things|everything)|killing myself|"
    r"suicide|not being here)\b",
    r"\b(disappear|vanish|sleep|go to sleep) (forever|for good|and never wake up|and not wake up)\b",
    r"\b(never|not) wake up( again)?\b.*\b(wish|want|hope|pray|better)\b",
    r"\b(wish|want|hope|pray)\b.*\b(never|not) wake up\b",
    r"\b(goodbye|say goodbye|saying goodbye) (to everyone|forever|world|cruel world)\b",
    r"\bwrote (a|my) (note|letter|will) (for|to) (my )?(family|kids|wife|husband|everyone)\b",
)

BLADDER_PHRASES = _rx(
    r"\b(wet|wetting|wetted|peeing|peed|pee|pissing|pissed|soiled|soiling|soil|pooing|pooed|pooping|pooped|shat|"
    r"shit|sh t|messed|messing|leaked|leaking) (my ?self|my pants|my trousers|my underwear|my knickers|the bed|"
    r"my bed)\b",
    _CANT + r" (to )?(hold|control|stop|feel) (my |the )?(pee|wee|urine|bladder|bowels?|poo|poop|stool)\b",
    _CANT + r" (to )?(pee|wee|urinate|go to the (toilet|loo|bathroom)|empty my bladder)\b",
    r"\b(lost|losing|lose|loss of|no|zero|without) (any )?(bladder|bowel|toilet) (control|function|sensation)\b",
    r"\b(lost|losing|lose|loss of|no) (all )?(control|feeling|sensation) (of|over|in) (my )?(bladder|bowels?|"
    r"pee|wee|urine|toilet)\b",
    r"\b(cant|cannot|dont|didnt|doesnt|couldnt) (feel|tell|know) (when|if) (i|im) (need|needing|have|going) "
    r"(to )?(pee|wee|go|poo|poop|urinate)\b",
    r"\b(havent|have not|hasnt|not) (peed|weed|urinated|been able to pee|been able to urinate)\b",
    r"\b(trouble|problems?|difficulty|struggling|hard|cant) (controlling|to control|with|holding) (my )?"
    r"(bladder|bowels?|urination|pee|wee|urine)\b",
    r"\b(leak|leaking|leaks|dribbling|dribble) (urine|pee|wee|poo)\b",
    r"\b(accidents?) (with|in) (my )?(pants|bladder|bowels?)\b",
)
SADDLE_PHRASES = _rx(
    r"\b(numb|numbness|no feeling|cant feel anything|tingling|pins and needles|dead) (down there|between my legs|"
    r"in my (privates|private parts|crotch|groin|genitals|bum|butt|bottom|backside|inner thighs?|saddle area)|"
    r"around my (privates|private parts|crotch|groin|genitals|bum|butt|bottom|backside|anus|inner thighs?))\b",
    r"\b(down there|between my legs|my (privates|private parts|crotch|groin|genitals|bum|butt|bottom|backside|"
    r"inner thighs?)) (is|are|feels?|felt|went|has gone|gone|going|been)( a bit| kind of| sort of| all| totally)?"
    r" (numb|dead|tingly|tingling)\b",
    _CANT + r" feel (anything )?(down there|between my legs|my (privates|private parts|crotch|groin|genitals|bum|"
    r"butt|bottom|backside|inner thighs?)|it when i wipe|toilet paper|myself when i wipe)\b",
    _CANT + r" (really |properly )?feel (anything |it |a thing )?(when|while|after) i (wipe|go to the toilet|"
            r"sit on the "
    r"toilet)\b",
    r"\bsaddle (numbness|anaesthesia|anesthesia|area)\b",
    r"\b(lost|losing|lose|no|without|reduced|less) (all )?(the )?(feeling|sensation) (in|around|down|between) (my )?"
    r"(groin|crotch|genitals|privates|private parts|bum|butt|bottom|backside|inner thighs?|there|legs)\b",
)
LEG_PHRASES = _rx(
    _CANT + r" (move|lift|feel|bend|use|control|wiggle|stand on|put weight on) " + _MY
    + r"(legs?|feet|foot|toes|knees?)\b",
    _CANT + r" (walk|stand|stand up|get up|get out of bed|lift my foot|lift my toes)\b"
    r"(?! (without|because|cos|cause|from|due|for|with|as)\b)",
    r"\b(legs?|knees?) (keeps? |kept |just |both |suddenly |have |has )?(giving|give|gave|gives|given|buckling|buckled|"
    r"buckles|collapsing|collapsed|"
    r"went|going) (way|out|from under me|under me|floppy|weak|dead|limp)\b",
    r"\b(legs?|knees?) (wont|cant|can not|cannot|dont|wouldnt|arent|isnt|doesnt) (hold|support|carry|work|move|"
    r"respond|listen)\b",
    r"\b(lost|losing|lose|no|zero|loss of) (all )?(the )?(strength|power|control|movement|use|function) (in|of) "
    + _MY + r"(legs?|feet|foot)\b",
    r"\bfoot ?drop\b", r"\b(dragging|drag|drags|dragged|slapping|flopping|floppy) (my )?(foot|feet|leg|toes)\b",
    r"\b(foot|feet|toes) (keeps? |kept )?(dragging|drags|slapping|flopping|dropping|catching|wont lift|cant lift|"
    r"wont come up|doesnt lift|wont move|cant move)\b",
    r"\b(legs?|feet|foot) (are|is|feel|feels|went|gone|going) (paralysed|paralyzed|dead|limp|useless|floppy)\b",
    r"\b(paralysed|paralyzed|paralysis)\b",
)
NUMB_PHRASES = _rx(
    r"\b(lost|losing|lose|no|without) (all )?(the )?(feeling|sensation) in " + _MY
    + r"(legs?|feet|foot|toes|arms?|hands?|fingers)\b",
    _CANT + r" feel " + _MY + r"(legs?|feet|foot|toes|arms?|hands?|fingers)\b",
    r"\bpins and needles\b.*\b(legs?|feet|foot|arms?|hands?)\b",
    r"\b(legs?|feet|foot|toes|arms?|hands?|fingers) (is|are|feels?|felt|went|gone|going|keeps? going|been)"
    r"( really| totally| completely| all| a bit)? (numb|dead|tingly|tingling)\b",
)
CHEST_PHRASES = _rx(
    r"\bchest (pain|pains|hurts|hurting|ache|aches|aching|tightness|tight|pressure|heaviness|heavy|squeezing|"
    r"crushing|burning|discomfort)\b",
    r"\b(pain|pains|ache|aching|pressure|tightness|tight|heaviness|squeezing|crushing|hurts|hurting) (in|on|across|"
    r"around|through|into|to|towards|toward) (my |the )?(chest|jaw|left arm|breastbone|sternum)\b",
    r"\b(radiat|spread|shoot|travel|mov|go|goes|went)\w* (in)?to (my |the )?(chest|jaw|left arm)\b",
    r"\b(short|shortness) (of )?breath\b", r"\bbreathless\w*\b", r"\bout of breath\b",
    _CANT + r" (breathe|breath|catch my breath|get (a|my) breath)\b",
    r"\b(struggling|struggle|hard|difficult|difficulty|trouble|problems?|pain|hurts?) (to |when |with )?"
    r"(breathe|breathing|breath)\b",
    r"\b(heart attack|cardiac)\b",
)
TEARING_PHRASES = _rx(
    r"\b(tearing|ripping|ripped|torn|rip|shredding) (pain|sensation|feeling)\b",
    r"\b(like|as if|as though) (something|my back|my chest|it|i)( is| was|s|m)? (being )?(tearing|ripping|torn|"
    r"ripped|being torn|being ripped|splitting|split) ?(open|apart|in half|in two)?\b",
    r"\b(tearing|ripping) (through|in|across|down|between) (my )?(back|chest|shoulder|spine)\b",
    r"\b(torn|ripped) (in half|apart|in two)\b",
)
FEVER_PHRASES = _rx(
    r"\b(high|running a|have a|got a|with a) (temp|temperature)\b",
    r"\b(temp|temperature) (of |is |was |at )?(3[89]|4[01]|10[0-5])\b",
    r"\b(3[89]|4[01]|10[0-5])( [0-9])? ?(c|f|degrees)\b",
    r"\bnight sweats\b", r"\b(hot and cold|burning up)\b",
)
TRAUMA_PHRASES = _rx(
    r"\b(hit by a (car|bike|truck|bus|cyclist|van|motorbike)|rear ?ended|t ?boned|(car|bike|motorbike|motorcycle|"
    r"road|traffic|skiing|work) (crash|accident|collision|smash))\b",
    r"\b(after|since) (a|an|my|the|that) (bad |nasty |big |serious |hard |little |small )?(fall|crash|accident|"
    r"collision|tumble|wreck)\b",
    r"\b(fell|fallen|falling|slipped|tripped|tumbled|came off|come off|thrown|was thrown|got thrown|flew) (off|down|"
    r"from|on|onto|over|out of|of|backwards?|hard|flat)\b",
    r"\b(fell|fallen) (and|n)\b", r"\b(took|had|take) a (bad |nasty |big |hard |serious )?(fall|tumble|spill)\b",
    r"\b(car|road|traffic) (accident|crash|collision)\b", r"\bwhiplash\b",
    r"\b(got|was|been|were) (hit|tackled|knocked over|knocked down|run over|struck|kicked|punched|thrown)\b",
    r"\bi (crashed|fell|slipped|tripped|collided)\b",
)
SEVERE_PHRASES = _rx(
    r"\b(eleven|11) out of (ten|10)\b",
    r"\bsudden(ly)? (and )?(severe|intense|extreme|horrible|terrible|unbearable|excruciating|crippling|"
    r"agonizing|agonising)\b",
    r"\b(severe|intense|extreme|excruciating)\b.*\b(sudden|suddenly|out of nowhere|out of the blue)\b",
    r"\b(sudden|suddenly|out of nowhere|out of the blue)\b.*\b(severe|intense|extreme|excruciating)\b",
    r"\b(cant|cannot) (bear|stand|take|handle|cope with) (it|the pain|this pain|this)( any more| anymore)?\b",
    r"\b(screaming|crying out|passing out|passed out|blacked out|fainted|fainting) (in|from|with|because of) "
    r"(the )?pain\b",
)
RECURRING_PHRASES = _rx(
    r"\bkeeps? (on )?(coming back|happening|recurring|returning|coming|cramping|spasming|seizing|locking|hurting|"
    r"flaring|going into spasm|getting worse|happening again)\b",
    r"\b(every|each) (single )?(day|night|morning|week|month)\b", r"\beveryday\b", r"\bdaily\b", r"\ball the time\b",
    r"\bconstant(ly)?\b", r"\bagain and again\b", r"\bover and over\b", r"\brecurr?(ing|ent|s|ed)?\b",
    r"\bfrequent(ly)?\b", r"\bregular(ly)?\b", r"\bso often\b", r"\bmore often\b",
    r"\b(wont|doesnt|dont|isnt|arent|never|not|hasnt|havent|has not|have not) (seem to |seems to |ever |really "
    r"|fully |completely )?(go(ing)?|went|gone) away\b",
    r"\b(not|isnt|arent|never|hasnt|havent) (getting|got|gotten) (any )?better\b",
    r"\b(getting|got|gotten|becoming|grown|grow|grows|gets) (worse|more painful|more frequent)\b", r"\bworsening\b",
    r"\bworse (and worse|every|each|than (last|before))\b",
    r"\b(for|over|past|last|after|almost|nearly) (the )?(about |around |nearly |almost |over |more than )?(several |"
    r"a few |few |many |two |three |four |five |six |"
    r"2 |3 |4 |5 |6 |8 |a couple of |couple of |couple )?(weeks|months|years)\b",
    r"\bstill (hurts?|there|spasming|cramping|painful|sore)\b", r"\bpersist(ent|s|ing)?\b",
    r"\b(wont|doesnt|dont|never) (settle|stop|ease|let up|improve|heal)\b",
    r"\bnot (settling|stopping|resolving|easing|improving|healing)\b", r"\bunresolved\b",
    r"\b(no|not any|none the) better\b",
    r"\b(been|had it|having it|had this|dealing with (it|this)|suffering) (for )?(a |about |over |almost |nearly )?"
    r"(\d+|two|three|four|five|six|seven|eight|several|a few|few|many) (weeks|months|years)\b",
    r"\bevery (few|couple of|other|single) (days?|weeks?|hours?)\b",
    r"\b(second|third|fourth|fifth|sixth|\d+(st|nd|rd|th)) time\b",
    r"\b(\d+|two|three|four|five|six|several|many) times (this|a|in the last|in the past) (week|month|year)\b",
)

CRISIS_PHRASES += _rx(
    r"\b(wont|will not|wouldnt|not going to|may not|might not) be (around|here|alive)( for)? (much longer|long|"
    r"anymore|any more|tomorrow|next week|for much longer)\b",
    r"\b(not|stop|stopped) (being|be) (here|around|alive)( anymore| any more)?\b",
    r"\b(easier|better|happier|fine|okay|ok|be ok|be okay)( off)?( for (everyone|everybody|them|him|her|my family|"
    r"the kids))? (if|when) (im|i am|i was|i were|i wasnt|i werent|i m) (not |no longer )?(around|here|alive|gone|"
    r"dead|with someone else|out of the picture)\b",
    r"\b(better off|be better) with (someone|somebody) (else|who isnt)\b",
    r"\b(hope|hoping|so that|so|enough that|enough to|would it take to|pray|praying|wish) (i |to )?(just )?"
    r"(wouldnt|dont|wont|would not|never|not|didnt|do not) wake up\b",
    r"\b(ways?|how|best way|easiest way|quickest way|painless way) to (die|end it|end my life|kill|do it|"
    r"not wake up)\b",
    r"\bwhats (even )?the point( of| in)? (going on|living|carrying on|life|it all|anything|trying|being alive|fixing|"
    r"getting better)\b",
    r"\b(dont|do not|cant|cannot|can not|no longer) see (the |any )?point (in|of) (carrying on|going on|living|"
    r"life|being here|anything|it all|trying)\b",
    r"\bwhats the point\b.*\b(going on|live|living|carrying on|around much longer|alive)\b",
    r"\b(jump|jumping|jumped|step|stepping|stepped|throw myself|throwing myself|threw myself|drive|driving|swerve|"
    r"swerving|crash|crashing) (off|into|in front of|from|over) (a|the|my|that|this)? ?(bridge|roof|building|"
    r"train|balcony|cliff|tree|wall|truck|lorry|car park|multi storey|ledge|window|motorway|traffic|edge)\b",
    r"\b(got|have|bought|ive got|found|tied) (the |a )?(rope|noose)\b",
    r"\b(started|been|keep|kept|am|im) cutting (again|myself|my)\b", r"\bcutting again\b",
    r"\bcut (myself(?! (shaving|cooking|chopping|by accident|on|while))|into my (arms?|wrists?|thighs?|legs?|"
    r"skin|stomach)|my (arms?|wrists?|thighs?|skin|stomach)\b"
    r"(?! (on|by accident|chopping|shaving|cooking|opening)))",
    r"\b(hold|holding|held|have|had) the (kitchen )?(knife|blade|razor)\b.*\b(think|thinking|thought)\b",
    r"\b(giving|give|gave|given) (my |all my )?(stuff|things|belongings|possessions) away\b",
    r"\b(giving|give|gave|given) away (my |all my )?(stuff|things|belongings|possessions)\b",
    r"\b(goodbye|suicide|farewell|last) (letters?|notes?|messages?)\b",
    r"\b(saved|saving|stockpil\w*|hoard\w*|collect\w*|stash\w*|bought|buying) (up )?(a lot of |lots of |loads of |"
    r"enough |all |some |my |up my )?(pills|tablets|meds|medication|oxy\w*|painkillers|sleeping pills|"
    r"paracetamol|tramadol|codeine|opioids)\b.*\b(what (im|i am) going to do|enough|plan|for good|so nobody|"
    r"just in case|what its for|night)\b",
    r"\b(take|taking|swallow|swallowing|down) (them|the tablets|the pills|it|the lot|those) all( at once)?\b",
    r"\b(take|taking|swallow) (enough|the lot|too many on purpose)\b",
    r"\b(pills|tablets) (all )?lined up\b",
    r"\b(dead weight|a burden|burden) (to|on|for) (everyone|everybody|literally everyone|my family|him|her|them|"
    r"my kids|my husband|my wife|people)\b",
    r"\blet nature take its course\b", r"\b(look|looked|looks) like an accident\b",
    r"\b(cant|cannot|can not|dont) see (a|any) way out\b", r"\bno way out\b",
    r"\b(saved|saving|stockpil\w*|hoard\w*|stash\w*) (up )?(\w+ ){0,2}(pills|tablets|meds|medication|oxy\w*|"
    r"painkillers|paracetamol|tramadol|codeine|opioids|morphine)\b.*\bwhat (im|i am) (going|gonna) (to )?do\b",
    r"\b(made|make|making) my peace\b.*\b(plan|goodbye|go|leave)\b", r"\bgot a plan\b",
    r"\b(want|wanna|need) (it|everything|this|the pain|all of it) (all )?to (stop|end) (forever|for good|"
    r"permanently)\b",
    r"\b(not|dont|do not) (want|wanna) to (keep doing|do) (life|this anymore|this any more)\b",
    r"\bkeep doing life\b", r"\b(done|finished) with (life|living|everything|it all)\b",
    r"\bdont want to be alive\b", r"\bwish i (could )?(just )?(go to sleep|sleep) (forever|and never)\b",
)
CRISIS_PHRASES += _rx(
    r"\b(wrote|written|writing|write|left) (\w+ ){0,2}(letters?|notes?|cards?) (to|for) (my |the |"
    r"all my )?(kids|children|"
    r"family|wife|husband|mum|mom|dad|parents|everyone|partner|son|daughter|friends|boyfriend|girlfriend)\b",
    r"\b(gave|giving|give|given|rehom\w*) (away )?(my |the )?(dog|cat|pets?|kids stuff) (away|to|a new home)\b",
    r"\b(wont|will not|not going to) (need|be needing) (\w+ ){0,4}(after (this|tonight|tomorrow|"
    r"the weekend|this weekend|"
    r"today)|anymore|any more|much longer|for long)\b",
    r"\bwont be needing (them|it|anything|those|these)\b",
    r"\b(disappear|vanish|be gone|not exist) (permanently|for ever|and never come back)\b",
    r"\b(how|ways?|where) to (end things|end everything|end this|end it all|get it over with)\b",
    r"\b(worked out|figured out|planned|planning|decided|working out|figuring out) (how|when|where|which) (\w+ )?"
    r"(id|i would|i will|ill|to|i d) (do it|end it|go)\b",
    r"\b(the one|the first|first one) to find me\b",
    r"\b(notice|care|miss me|mind) if i (wasnt|werent|was not|were not|was gone|died|disappeared|wasnt here)\b",
    r"\bdoing (everyone|everybody|them|the world|my family) a (favour|favor)\b",
    r"\b(holding|held|hold|counting|counted|staring at|stared at|lined up) (all )?(the |my |of my )?(pills|tablets|"
    r"meds|medication)\b",
    r"\b(put|putting|got|getting|sorted|sorting) (all )?my (affairs|things|stuff) in order\b",
    r"\b(end|ending|take|taking) (your|your own|ones|ones own|their|their own) life\b",
    r"\brope\b.*\b(hold my weight|hold me|my neck)\b",
    r"\b(spot|place|beam|tree|bridge|branch) (all )?(picked|chosen|scoped) out\b",
    r"\b(scratch|scratching|scratched|bite|biting|hit|hitting|punch|punching|bang|banging|burn|burning|pick|"
    r"picking) (at )?(my|myself) ?(arms?|skin|legs?|wrists?|head|thighs?)? (till|until|so) (it|they|i) "
    r"(bleed|bleeds|bled|bruise|bruises|hurt|hurts)\b",
)
CRISIS_PHRASES += _rx(
    r"\b(stop|stopped|cease) existing\b", r"\b(wish|want|wanna) (i could |to )?(just )?(not exist|stop existing)\b",
    r"\b(saved|saving|stockpil\w*|hoard\w*|stash\w*|collect\w*) (up )?(enough|all)\b",
    r"\benough (\w+ ){0,3}(to do it|to end it|to not wake up|to die|to finish it)\b",
    r"\bctb\b", r"\b(methods|ways) (to|of) (die|dying|suicide|end it|kill myself)\b",
    r"\b(looking|look|looked|reading|read|research\w*) (up )?(on |into |about )?(methods|ways to die)\b",
    r"\bhow many (\w+ ){0,3}(it would take|would it take|it takes|does it take|would kill|would be enough|to take to|"
    r"would do it)\b",
    r"\b(hiding|hid|hide|keeping|keep|kept|bought|buying|got) (\w+ ){0,2}(razor|razors|razor blades|blades)\b",
    r"\b(finish|end|stop) (my|mine) life\b",
    r"\b(just )?want (to get )?out\b.*\b(permanently|for good|forever)\b",
    r"\b(punch|punching|punched|hit|hitting|cut|cutting|burn|burning|burned|burnt|scratch|scratching|bite|biting|"
    r"bang|banging|banged) (my own|my|myself) ?(\w+ )?(until|till|so) (they|it|i) (bleed|bled|bruise|bruises|bruised|"
    r"hurt|hurts|scar)\b",
    r"\b(bridge|footbridge|roof|ledge|edge|balcony|cliff|platform|car park|multi storey|top floor|railway|tracks)\b.*"
    r"\b(how easy it would be|go over|jump\w*|step off|not come back|go off the|over the edge|just let go|high enough|"
    r"how high|the drop)\b",
    r"\b(steer|steering|turn|turning|jerk|jerking|yank|yanking) (the wheel|into (a|the) (tree|wall|truck|lorry|traffic|"
    r"barrier))\b",
    r"\bgo(ing)? through the barrier\b", r"\b(be|being|get|getting) done with (it all|all of it|everything|life)\b",
    r"\b(rope|noose|belt|gun|shotgun|rifle|pills|knife|blade|razor)\b.*\bcant stop thinking about (it|them)\b",
    r"\b(practised|practiced|practising|practicing|rehearsed|rehearsing|tried) (with )?(a |the |my )?(belt|rope|"
    r"noose|cord|ligature|scarf|tie)\b",
    r"\bwant to disappear\b", r"\bi deserve to (die|disappear|suffer|be dead|not be here)\b",
    r"\b(not eating|starving myself|stopped eating|stop eating) on purpose\b",
    r"\bcheck(ing)? out (for good|permanently|of life|early|of this world)\b",
    r"\busing (it|them) on myself\b", r"\b(gun|shotgun|rifle|pistol)\b.*\b(myself|my head|end it)\b",
    r"\b(going|gonna|plan|planning|about) to end it\b", r"\bend it (soon|tonight|today|this week|this weekend)\b",
    r"\b(hit|hitting|banged|banging|burned|burnt|burning|cut|cutting|punched|punching|scratched|scratching|hurt|"
    r"hurting|harmed|harming|blister|blisters|blistered|scald|scalded|scalding|bruised|bleed|bleeds)\b.*\bon purpose\b",
    r"\b(gun|shotgun|rifle|pistol|revolver)s?( is| was)? (\w+ ){0,2}loaded\b",
    r"\b(ive|i have|i ve) lived long enough\b",
    r"\b(take|taking|took|swallow|swallowing|down|downing) (all|the whole lot of|every one of) (of )?(my |the |these |"
    r"those )?(\w+ )?sleeping (pills|tablets|ones|meds)\b",
    r"\b(would it be|is it|would that be) (so |that |really )?(bad|wrong|terrible|selfish) if i (just )?(never|didnt|"
    r"did not|dont|do not|wouldnt) (wake|woke) up\b",
    r"\b(saved|saving|stockpil\w*|hoard\w*|stash\w*|collect\w*) (them|mine|these|those|it) up\b.*\b(just in case|"
    r"go through with it|for when|for the day|enough)\b",
    r"\bnot come (back )?(down|home|back)\b",
    r"\b(hope|hoping|wish|wishing|pray|praying)\b.*\b(dont|wont|never|not|didnt|wouldnt) (to )?wake up\b",
    r"\b(took|swallowed|taken|downed) (a load of|loads of|lots of|a lot of|a handful of|handfuls of|a bunch of|"
    r"too many of) (\w+ ){0,3}(pills|tablets|paracetamol|meds|painkillers)\b",
    r"\b(dont know|not sure) (if|whether) (im|i am) glad i woke up\b",
    r"\b(easier|better)( off)?( for (everyone|everybody|them|him|her|my family))? if i (just )?(wasnt|werent|was not|"
    r"were not|was gone|wasnt here|wasnt around)\b",
)
BLADDER_PHRASES += _rx(
    r"\b(wee|pee|urine|poo|poop|stool)\b.*\b(without (me )?(knowing|noticing|feeling it|realising|realizing)|"
    r"by itself|on its own)\b",
    r"\b(cant|cannot|unable to|not able to|havent been able to|couldnt|not) (pass|passing) (urine|water|any urine)\b",
    r"\bnothing (comes|coming|will come|came) out\b",
)
TEARING_PHRASES += _rx(r"\bunzip\w*\b", r"\b(split|ripped|torn|tearing|ripping) (open|apart|in two)\b")
CRISIS_PHRASES += _rx(
    r"\b(drive|driving|drove|steer|steering|swerve|swerving|crash|crashing) (my car |the car )?(into|off) "
    r"(a|the) (\w+ )?"
    r"(tree|wall|bridge|pillar|support|lamppost|lorry|truck|barrier|cliff|river|motorway)\b",
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|tomorrow|this weekend) (will be|is) the "
    r"(day|night)\b",
    r"\b(which|what) (drugs?|pills|meds|dose|doses|tablets) (would|will|to) (do it|kill|end it)\b",
    r"\bwhat dose (id|i would|i d|i will|ill) need\b",
    r"\b(dont|do not|cant|cannot) see myself (being )?(around|here|alive)\b",
    r"\b(better|fine|easier|happier|better off)\b.*\bif i (just )?(disappeared|vanished|was gone|were gone|died|"
    r"wasnt here|wasnt around)\b",
    r"\b(took|taken|swallowed|overdosed|had)\b.*\bon purpose\b",
    r"\b(railing|ledge|edge|parapet)\b.*\b(how it (feels|would feel)|to see|how easy)\b",
    r"\b(tablets|pills|meds|medication)\b.*\b(i have|ive got|i ve got|got) enough\b",
    r"\b(rope|noose|belt|pills|tablets|bridge|edge|gun|knife)\b.*\bhow easy it would be\b",
    r"\b(cant|cannot|can not|struggling to|hard to|no|unable to) (find|see|think of) (a |"
    r"any )?(single )?reasons? (not to|"
    r"to (live|keep going|stay|carry on|go on|be here|stay alive))\b",
    r"\bend (their|your|our|my) (lives|life)\b",
    r"\b(saying|said|say|been saying) (my |our )?goodbyes\b",
    r"\b(saying|said|say) goodbye to (everyone|everybody|my (family|kids|children|friends|wife|husband|parents|mum|mom|"
    r"dad)|people|the world)\b", r"\bso (they|people|everyone) (will )?remember me\b",
    r"\b(nobody|no one|noone|no body) (would|will|d) (even )?(notice|care|miss me)\b",
    r"\bengine running\b.*\b(garage|door shut|doors shut|closed|hose|exhaust)\b",
    r"\b(garage|hose|exhaust)\b.*\bengine running\b",
    r"\bbetter off with (the |my )?(life )?insurance\b", r"\blife insurance\b.*\b(better off|pays out|worth more)\b",
    r"\b(dont |do not |cant |cannot |can not |no longer )?see (the |any )?point (in|of) (waking up|getting up|"
    r"tomorrow|going on|another day)\b",
    r"\bsee if i (would |d )?(just )?(not|never|wouldnt) wake up\b",
    r"\b(took|swallowed|taken|take|swallow|downed) (like |about |nearly |almost )?(half|most|all|the rest|the whole|"
    r"a whole|an entire|the entire) (of )?(the |a |my )?(\w+ )?(bottle|pack|packet|box|strip|tub)\b",
    r"\b(step|stepping|stepped|walk|walking|jump|jumping|throw myself|throwing myself) (out )?in front of (a|the) (bus|"
    r"train|car|truck|lorry|traffic|tram)\b",
    r"\b(planning|planned|picked|picking|chosen|choosing|chose) (which|the|a) (day|date|night|time|way)\b",
    r"\b(counting|counted|count) (\w+ ){0,3}(doses|pills|tablets)\b",
)
LEG_PHRASES += _rx(
    r"\b(toes?|feet|foot|legs?) (dont|wont|doesnt|arent|isnt|cant|will not|do not|does not) (respond|move|work|lift|"
    r"listen|come up)\b",
    r"\b(foot|feet|toes) (is |are |keeps |kept |keep )?(catching|dragging|slapping|flopping|scuffing|dropping|"
    r"tripping)\b",
    r"\b(slaps|slapping|flops|flopping) down\b",
    _CANT + r" (lift|pull|raise|point) (up )?the (front|toes|tip) of (my |it|the )",
)
LEG_PHRASES += _rx(
    _CANT + r" (i |really |properly |fully |even )?(move|lift|raise|feel|bend|use|control|wiggle|stand on|"
    r"put weight on|pick up|point) (\w+ ){0,6}(legs?|feet|foot|toes|knees?)\b",
    r"\b(foot|feet|toes|leg) (just )?(flops|flopping|slaps|drops|dangles)\b",
)
SADDLE_PHRASES += _rx(
    _CANT + r" (really |properly |fully |even )?feel (\w+ ){0,3}(bum|butt|bottom|backside|groin|crotch|genitals|"
    r"privates|private parts|down there|between my legs|inner thighs?)\b",
    r"\bwip(e|ing)\b.*\b(cant|cannot|can not|couldnt|dont|didnt) feel\b",
    r"\b(no|lost|losing|without|reduced) (feeling|sensation)\b.*\bwip(e|ing)\b",
    r"\b(cant|cannot|can not|couldnt|dont|didnt) feel (anything|it|a thing)\b.*\bwip(e|ing)\b",
    r"\bnumb\w*\b.*\b(privates|private parts|crotch|groin|genitals|inner thighs?|down there|between my legs|"
    r"saddle)\b",
)
CHEST_PHRASES += _rx(
    r"\bchest (\w+ ){0,4}(pressure|weight|squeez\w*|crush\w*|tight\w*|heav\w*)\b",
    r"\b(catch|get|getting|catching) (my )?breath\b",
    r"\b(tight|heavy|crushing|squeezing|pressure|burning) (feeling|sensation|band|pain|ache) (in|across|on|around|"
    r"over) (my |the )?chest\b",

    r"\bchest (feels?|feeling|is|was|going|gets|getting|keeps)( so| really| very| all| a bit| kind of)? (tight|"
    r"heavy|painful|sore|crushed|squeezed|weird|funny)\b",
    r"\bbreathing (is |be |feels? |getting |gets |has been )?(so |really |very |a bit )?(short|shallow|hard|"
    r"difficult|laboured|labored|tight|painful|funny|weird)\b",
)
TRAUMA_PHRASES += _rx(
    r"\b(took|taken|take|had|got) a (\w+ )?(hit|knock|blow|bang|tackle|whack|smack|wipeout|wipe out)\b",
    r"\b(came|come|fell|thrown|flew|fallen|knocked) off (my |the |a |his |her )?(bike|horse|motorbike|ladder|roof|"
    r"scooter|board|skateboard|chair|stairs|wall|trampoline|handlebars|bed|step|steps|stool|table|quad|bmx)\b",
    r"\bover the handlebars\b", r"\b(down|off) (the|a|some) (stairs|steps|ladder)\b",
    r"\b(hit|crashed|smashed|slammed|landed) (my )?(back|spine|tailbone|coccyx|head) (on|against|into)\b",
)
SEVERE_PHRASES += _rx(
    r"\b10 (out of )?10\b", r"\b(cant|cannot|can not) stop (screaming|crying out|shaking from the pain)\b",
    r"\bworst (\w+ )?pain (of my life|ive ever|i have ever|i ve ever|ever)\b",
)
RECURRING_PHRASES += _rx(
    r"\b(never|doesnt|dont|wont|not) (quite |really |fully |completely |ever )?(go|goes|going|went) away\b",
    r"\b(over|for|in|during) the (past|last) (month|year|few weeks|couple of weeks|fortnight)\b",
    r"\b(got|gotten|getting|become|becomes|grown) (steadily |progressively |gradually |slowly |much |a lot |even )?"
    r"(worse|more painful)\b",
    r"\bused to (be|only|just)\b.*\b(now|but now)\b",
    r"\bnow (its|it is|it s)? ?(much |a lot |way |even )?worse\b",

    r"\b(worse|stronger|longer|more painful) than the (last|one before|previous)( one| time)?\b",
    r"\b(lasting|last|lasts) longer (each|every|and longer)\b", r"\blasting longer\b",

    r"\bstill (isnt|is not|not|hasnt|has not|havent|aint) (right|better|gone|healed|settled|fixed|improved|eased|"
    r"stopped|cleared|gone away)\b",
    r"\b(started|began|start) (in|back in|around|at the start of|at the end of) (early |late |mid )?(january|february|"
    r"march|april|may|june|july|august|september|october|november|december|the spring|the summer|the winter)\b",
    r"\bworse (\w+ ){0,2}than (last (week|month|time)|the (week|day|month) before|yesterday|before)\b",
    r"\b(been|for|over|nearly|almost|about) (a|one|over a|more than a) (month|year)( and a half)?\b",
    r"\b(happened|happening|happens|spasmed|spasming|seized|seizing|went|gone|goes|locked|locking|cramped|"
    r"cramping|flared|flaring|hurting|out|twinged|pulled) (up )?again\b",
    r"\bsame (spot|place|thing|pain) (again|as last)\b", r"\b(same as|like) last (time|month|week|year)\b",
    r"\bgetting (steadily |progressively |gradually |slowly |much |even |a lot )?(worse|stronger|longer|closer|"
    r"more frequent|more often|more painful|harder)\b",
    r"\b(longer|worse|stronger|more painful|closer together) (each|every) time\b", r"\bcloser together\b",
    r"\b(second|third|fourth|fifth|sixth|\d+(st|nd|rd|th)) (time|flare|flare up|spasm|episode|attack|one)\b",
    r"\b(twice|three times|four times|\d+ times|once) (a|per|every) (week|month|day|fortnight)\b",
    r"\bstill (climbing|rising|increasing|going up|spreading)\b",
    r"\bworse than (yesterday|before|last (time|week|month)|the day before|ever)\b",
    r"\bsince (about |around |roughly |before |last |early |late |mid )?(january|february|march|april|may|june|july|"
    r"august|september|october|november|december|christmas|xmas|easter|summer|winter|spring|autumn|new year|"
    r"the summer|the spring|the winter|last year)\b",
    r"\bon and off for\b", r"\b(arent|isnt|not|no longer|stopped) (touching|helping|working)\b",
)
_OVERDOSE_NOT_DRUG = re.compile(r"\b(overdos\w*|od) on (?!(pills|tablets|meds|medication|painkillers|paracetamol|"
                                r"tylenol|oxy\w*|opioids|insulin|sleeping|my|ibuprofen|codeine|tramadol|diazepam|"
                                r"morphine|heroin|fentanyl|drugs|advil|acetaminophen|them|these|those|it|something))")

# "a blood test", "blood pressure": not bleeding.
_NOT_BLEEDING = re.compile(r"\bblood (tests?|pressure|sugars?|work|results?|type|count|thinners?|donation|donor|clots?|"
                           r"levels?|glucose|iron)\b")
# "slipped a disc", "fell asleep", "the fall" (autumn): not falls.
_NOT_TRAUMA = re.compile(
    # a simile: "feel like I've been hit by a truck"
    r"\b(like|as if|as though) (\w+ ){0,3}(been |got |get |getting )?(hit|run over|ran over|kicked|punched|trampled|"
    r"beaten|mugged|thrown|knocked)\b|"
    r"\b(slipped|slip|slipping) (a |my )?(disc|disk)|\bfell asleep\b|\bfall(ing)? asleep\b|"
    r"\b(this|last|next|in the|in|every|the) (fall|autumn)\b(?! (on|off|down|from|onto|over))|"
    r"\bfall (season|semester)\b|"
    r"\bhair (fall|falling)\b|\bfall(en|ing|s)? (apart|behind|in love)\b|\b(its|it is|during|since|"
    r"all) (fall|autumn)\b|"
    r"\b(phone|cup|glass|book|bottle|leaves|laptop|keys|plate|box|snow|rain|temperature|temperatures|prices|stuff|"
    r"things|pen|tv|picture|shelf) (has |have |had |are |is |was |were |keep |kept |just )?(fell|fall|falls|falling|"
    r"fallen|dropped|crashed)\b")
_GENERAL_QUESTION = re.compile(
    r"\b(is it possible|wondering (if|whether|what|how|why|about)|i wonder|in general|(warning )?signs of|"
    r"symptoms of|what (if|are|is)|hypothetical\w*|if someone|if a person|someone (had|has|with)|"
    r"(mentioned|mentions|warned|warns|says|said|told me (about|to watch|to look)|watch out for|look out for|"
    r"read (about|that|online)|heard (about|that)|asked about|talking about|on tv|in a (show|film|movie|drama)|"
    r"medical drama|asked (me )?(if|whether)|wanted to know (if|whether)|if i ever|told me if|dreamt|dreamed|"
    r"dream(ed|t)? (about|that|i)|nightmare|in the (thriller|book|novel|film|movie|show|game|series|story)))\b")
THIRD_PARTY = frozenset("""
he she they his her their him them mum mom mother dad father grandma gran granny grandad granddad grandpa nan nana
husband wife partner son daughter brother sister friend mate boyfriend girlfriend colleague coworker neighbour
neighbor kid kids child baby toddler infant dog cat aunt uncle cousin boss someone somebody people patient
aunty auntie grandmother grandfather nephew niece hubby fiance fiancee flatmate housemate roommate teammate classmate
client customer student pupil gf bf
""".split())
FIRST_PERSON = frozenset("i im ive id ill me myself".split())
PAST_VERBS = frozenset("had was were suffered".split())
# Words that bring a story to now: someone else's sign told with them may be an emergency.
RECENT = frozenset("""
today tonight now morning afternoon evening just yesterday currently still ago earlier minutes hours here
""".split())
SUBJECT_WORDS = frozenset("i im ive my me it its theres there he she they we you this that now".split())
# Words that open a new clause; a general question is judged clause by clause.
CLAUSE_STARTS = frozenset("and also plus but or so then".split())
# A clause about something long past ("years ago", "back in 2015") or one followed by "that's gone".
_PAST = re.compile(r"\b((\d+ |a few |few |several |many |two |three |four |five |ten |some |)(years?|months?|decades?) "
                   r"(ago|back)|ages ago|long ago|a (long )?while (ago|back)|"
                   r"last (year|month|summer|winter|spring|autumn|christmas)|(back )?in (19|20)\d\d|back in|used to|"
                   r"^once\b|in the (\d0s|nineties|eighties|seventies)|"
                   r"as a (kid|child|teen|teenager)|when i was (\d+|young|a kid|younger|little|a child|"
                   r"a teenager|pregnant|"
                   r"in (school|college|uni|university)))\b")
# Fear of what may come, not a sign now: "afraid of falling", "my worry is ending up in
# hospital", "scared I'll lose the use of my legs". "Scared, my legs are numb" stays a report.
_FEARED = re.compile(r"\b((worry|worries|fear|fears|concern|dread)( is| was)?|(worried|worrying|afraid|scared|"
                     r"frightened|terrified|nervous|anxious|paranoid|fear|fears|worry|worries|concerned|dread|"
                     r"dreading) (of|about)) (\w+ )?\w+ing\b|"
                     r"\b(worried|afraid|scared|frightened|terrified|nervous|anxious|paranoid|worry|fear|dread) "
                     r"(that |if )?(i|it|this|ill|itll|id|itd) (ll |will |might |could |may |would |is going to |"
                     r"am going to |im going to |s going to |gonna )")
OWN = frozenset("i im ive id ill my me mine myself".split())
_THAN_SAYS = re.compile(r" than (the \w+|it|what (it|the \w+)) (says|said)\b")
GENERIC_SUBJECTS = frozenset("a an you your someone somebody anyone anybody people".split())
PRESENT_MARKERS = frozenset("now today currently still since yesterday tonight again but suddenly".split())
_RESOLVED = re.compile(r"^(but )?(thats|its|it is|that is|all|which is|fever is|fevers|now|since|shes|hes|she is|he is|"
                       r"theyre|they are|im|i am|i was|was|it was|that was|they were|everything was)? ?"
                       r"(totally |completely |all |long |fully )?(gone|fine( now)?|cleared( up)?|resolved|"
                       r"better( now)?|over|recovered|healed)\b(?! (at first|until|till|before|then|for a))")
# Someone else's words about a sign ("the nurse asked if I'd wet myself"), or a sign imagined:
# not something happening to the person now.
_REPORTED = re.compile(r"\b(hypothetical\w*|in theory|theoretically|what if|characters? in|asked (me )?what|"
                       r"if you ever|"
                       r"(my|the|a) (\w+ )?character|"
                       r"homework|assignment|exam question|essay|module|citation|lecture|coursework|red flags?|"
                       r"warning signs?|(leaflet|website|article|page|nhs|poster|booklet|doctor|gp|physio) "
                       r"(lists|says|said|"
                       r"mentions|mentioned|warns|warned)|in my (novel|book|"
                       r"story|script|"
                       r"screenplay|game|essay)|writing (a|my) (novel|book|story|essay|script)|"
                       r"turned out (to be|it was)|(asked|asks|asking|ask) (me |you )?(if|whether)|"
                       r"wanted to know (if|whether)|if i ever|told me (if|to watch|to look)|"
                       r"dreamt|dreamed|nightmare|in the (thriller|book|novel|film|movie|show|game|series|story))\b")
# "…whiplash, fully recovered": the clause and everything before it are over.
_HEALED = re.compile(r"\b(fully|completely|totally|all) (recovered|healed|better|fine|resolved|gone|cleared up)\b|"
                     r"\b(it|that|which) went away\b|\bturned out (to be|it was|that|my|i)\b|"
                     r"\b(healed|recovered) (completely|fully|totally|well)\b|\b(its|thats|which is|"
                     r"that is) (long )?gone\b(?! (dead|numb|weak|worse|tingly|stiff|funny|weird))")
_RESOLVED_ANY = re.compile(_RESOLVED.pattern.replace("^", r"\b", 1)
                           + "|" + _HEALED.pattern)
_WENT_AWAY = re.compile(r"(but )?(it|that|this|they|both|the numbness|the pain)( all| both)? (went away|passed|stopped|"
                        r"cleared|wore off|faded|settled|is gone|was gone|were gone|are gone)\b")
_HANDLED = re.compile(r"\b(in hospital|in the hospital|stable|had surgery|after (the |his |her |their )?surgery|rehab|"
                      r"discharged|recovering|recovered|being looked after|looking after (him|her|them)|treated|"
                      r"treating|under (the |a )?(care|doctor))\b")
_OTHER_SUBJECT = re.compile(r"(my |our |a |the )?(\w+ )?(husband|wife|partner|son|daughter|mum|mom|dad|father|mother|"
                            r"brother|sister|friend|mate|client|patient|colleague|neighbour|neighbor|grandma|grandad|"
                            r"grandpa|nan|he|she|they|aunt|aunty|auntie|uncle|grandmother|grandfather|cousin|"
                            r"coworker|boss|gran|granny|nana)\b")
_CRISIS_DENIAL = re.compile(r"\b(not|no|never|dont|do not|isnt|arent|am not|im not|without)( having| have| had|"
                            r" get| got)?"
                            r"( any)? (thoughts?|plans?|intention|intentions|urges?|wish) (of|about|to)\b")
_TOKEN = re.compile(r"[a-z0-9]+|,")
# A sentence that denies a whole list before it ("and I had none of it").
_NONE_OF_THOSE = re.compile(r"(and |but )?(i )?(have |had |ve had |ive had |got |get |ive got |have got )?"
                            r"(none|not one|neither|not any) of (it|them|those|these|that|this|the above)\b|"
                            r"(and |but )?(i )?(dont|didnt|do not|did not|havent|hadnt|have not) "
                            r"(have |had |get |got )?any of (it|them|those|these|that|this|the above)\b")
# Figures of speech that borrow alarming words: removed before any rule reads the sentence.
_IDIOMS = re.compile(
    r"\b(suicide (squeeze|squad|doors?|mission|king)|accidental(ly)? overdos\w*|overdos\w* by accident|"
    r"(run|running|ran|doing|did|do) suicides|suicide (sprints?|drills?|runs?)|chills? (down|up) (my|your|the) "
    r"spine|gave me (the )?chills|(stock|market|share|shares|crypto|price) crash|chest (of drawers|day|press|"
    r"exercises?|workout|fly|flies)|"
    r"treasure chest|(risk|rate|rates|statistics) of suicide|suicide (rate|rates|risk|statistics|prevention|awareness|"
    r"more common|common|is more common|rates)|(is|are) suicide (more|rates|common)|"
    r"(nearly|almost) (fell|fall|falling|crashed|died)|crash(ed|ing)? (out|on (\w+ ){0,2}(sofa|couch|floor|bed)|"
    r"in bed|early)|"
    r"(traffic|queue|delays?|tailback|jam|jams) (from|because of|due to|after) (the|a) (crash|accident|"
    r"collision)|crash in (my |the )?(shares|stocks|market|prices|crypto)|(die|died|dying|dead) (of|"
    r"from) (embarrassment|shame|boredom|laughter|laughing|cringe|cuteness)|"
    r"(rather|sooner) (die|be dead) than (?!(live|living|go on|spend|feel|deal|suffer|carry on|keep|have|"
    r"be in|put up))|(could|would|to) die for|dying (for|to) (a|an|some|get|go|try|see|know|hear)|"
    r"dead (tired|on my feet|after|from)|death of me|(bored|scared|worried|tickled) to death|killing it|"
    r"(kill|murder) (for|a) (a |an |some )?(massage|coffee|pizza|tea|beer|drink|nap|sleep|back rub|rub|burger)|"
    r"crash course|car crash (tv|telly|television|of a)|fever dream|(little|happy|minor|small) accident|"
    r"(spilt|spilled|spill) (a|my|the|some)|(legs?|arms?|feet|body) (is |are |feel |feels )?(dead|jelly) after|"
    r"after leg day|leg day (\S+ ){0,6}?(cant|cannot|can not) feel my legs|"
    r"(cant|cannot|can not) feel my legs (after|from) leg day|"
    r"(peed|pee|peeing|wet|wetting|weed|wee) (myself|my pants|ourselves|themselves|himself|herself) "
    r"(laughing|with laughter|from laughing)|knock(ed|s|ing)? (me |him |her |you |us )?(out of (action|commission)|"
    r"for six|sideways))\b")
# Every idiom above holds one of these words.
IDIOM_WORDS = frozenset("""
crash crashed crashing chest suicide suicides chill chills die died dying dead death kill murder killing fever
accident spilt spilled spill fell fall falling jelly leg legs arms feet body scared bored worried tickled
accidentally accidental overdose overdosed overdoses overdosing laughing laughter knock knocked knocks knocking
""".split())
# "tingling? nope." - a short sentence answered by a denial is negated as a whole.
DENIALS = frozenset("nope no nah none negative nothing zero".split())
# "chest is totally fine": the sign named is denied for the whole message.
_CLEARED = re.compile(
    r"\b(chest|breathing|bladder|bowels?|peeing|pee|legs?|feet|toes|temperature|temp|groin|down there)"
    r"( is| are| feels?| seems?| s)? (totally |completely |perfectly |absolutely |all |still )?(fine|ok|okay|normal|"
    r"good|all good|grand|clear)\b")
# "A&E checked him and said it's just bruising": an injury already seen to.
_CHECKED_FINE = re.compile(r"\b(checked|examined|x ?rayed|scanned|seen|looked at)\b.*\b(said|says|told)\b.*\b(fine|"
                           r"just (a )?bruis\w*|nothing (broken|serious)|only (a )?(bruise|sprain|strain)|all clear)\b")
CLEARS = {"chest": ("chest",), "breathing": ("chest",), "bladder": ("bladder",), "bowel": ("bladder",),
          "bowels": ("bladder",), "peeing": ("bladder",), "pee": ("bladder",), "leg": ("legs", "numbness"),
          "legs": ("legs", "numbness"), "feet": ("legs", "numbness"), "toes": ("legs", "numbness"),
          "temperature": ("fever",), "temp": ("fever",), "groin": ("saddle",), "down there": ("saddle",)}
_SENTENCE = re.compile(r"[.!?;\n]+|\s[-–]\s|:(?!\d)")


class Sentence:
    """One sentence's words with, for each word, whether it is negated, inside a general
    question ("can a fall hurt your back?") or inside a past, resolved event ("years ago").

    The scopes are worked out on first use: most sentences of a long story hold no word any
    rule looks for and never need them."""

    __slots__ = ("_asked", "_live", "_live_asked", "_negated", "_past", "commas", "denied", "hits", "hits_asked",
                 "index", "over", "seen", "starts", "text", "words", "wordset")

    def __init__(self, words: list[str], commas: frozenset[int] = frozenset(), denied: bool = False,
                 index: SignIndex | None = None, over: bool = False) -> None:
        self.over = over  # the next sentence says it passed ("It went away in a minute")
        self.words = words
        self.commas = commas  # indexes of the words that follow a comma
        self.denied = denied  # answered by a denial ("tingling? nope")
        self.index = index  # the patterns to look for (default: every list in SIGNS)
        self.text = " ".join(words)
        self.starts: list[int] = []  # character offset of each word in ``text``
        offset = 0
        for word in words:
            self.starts.append(offset)
            offset += len(word) + 1
        self.wordset = frozenset(words)
        self._negated: list[bool] | None = None
        self._asked: list[bool] = []
        self._past: list[bool] = []
        self._live: frozenset[str] = frozenset()  # words neither negated, past nor asked
        self._live_asked: frozenset[str] = frozenset()  # the same, general questions included
        self.hits: frozenset[str] | None = None  # names of the pattern lists that match (see ``match``)
        self.hits_asked: frozenset[str] | None = None
        self.seen: frozenset[str] | None = None  # names of the lists matched anywhere, negated or not

    def _scope(self) -> None:
        if self._negated is None:
            self._negated, self._asked, self._past = _scopes(self.words, self.commas, self.denied, self.text)
            if self.over:
                self._past = [True] * len(self.words)
            kept = [i for i in range(len(self.words)) if not self._negated[i] and not self._past[i]]
            self._live_asked = frozenset(self.words[i] for i in kept)
            self._live = frozenset(self.words[i] for i in kept if not self._asked[i])

    @property
    def negated(self) -> list[bool]:
        self._scope()
        assert self._negated is not None
        return self._negated

    @property
    def asked(self) -> list[bool]:
        self._scope()
        return self._asked

    @property
    def past(self) -> list[bool]:
        self._scope()
        return self._past

    @property
    def live(self) -> frozenset[str]:
        self._scope()
        return self._live

    def has(self, vocabulary: frozenset[str], questions: bool = False) -> bool:
        """A word of ``vocabulary`` is here, not negated, not past and (unless ``questions``)
        not inside a general question."""
        if vocabulary.isdisjoint(self.wordset):
            return False
        self._scope()
        return not vocabulary.isdisjoint(self._live_asked if questions else self._live)

    def has_own(self, vocabulary: frozenset[str]) -> bool:
        """Like ``has``, but not where someone else is the subject ("my grandma fell")."""
        if vocabulary.isdisjoint(self.wordset):
            return False
        return any(w in vocabulary and w in self.live and not self.someone_else(i) for i, w in enumerate(self.words))

    def someone_else(self, index: int) -> bool:
        """The words just before ``index`` name someone else as the subject ("my mum lost …")."""
        window = self.words[max(0, index - 4): index]
        return any(w in THIRD_PARTY for w in window) and not any(w in FIRST_PERSON for w in window)

    def others_past(self, index: int) -> bool:
        """The words before ``index`` tell of someone else's past event ("my coworker had a heart
        attack"): the nearest person named is someone else, a past verb follows them and nothing
        in the sentence brings it to now ("my dad fell this morning" is an emergency)."""
        start = max(0, index - 6)
        end = next((k for k in range(index + 1, len(self.words))
                    if k in self.commas or self.words[k] in CLAUSE_STARTS), len(self.words))
        for j in range(index - 1, start - 1, -1):
            word = self.words[j]
            if word in FIRST_PERSON or word in ("my", "mine"):
                return False
            if word in THIRD_PARTY:
                return not PAST_VERBS.isdisjoint(self.words[j + 1: index]) \
                    and RECENT.isdisjoint(self.words[j + 1: end])
        return False

    def match(self, name: str, questions: bool = False) -> bool:
        """A pattern of the list ``name`` matches where a live word starts, with no negation
        just before it (and, unless ``questions``, outside a general question)."""
        if self.hits is None:
            self._find()
        assert self.hits is not None and self.hits_asked is not None
        return name in (self.hits_asked if questions else self.hits)

    def _find(self) -> None:
        candidates = (self.index or SIGNS).candidates(self.wordset)
        if not candidates:
            self.hits = self.hits_asked = self.seen = frozenset()
            return
        hits: set[str] = set()
        asked: set[str] = set()
        seen: set[str] = set()
        for name, pattern in candidates:
            if name in hits:
                continue
            for found in pattern.finditer(self.text):
                seen.add(name)
                index = bisect.bisect_right(self.starts, found.start()) - 1
                before = self.words[max(0, index - 3): index]
                if any(w in NEGATORS for w in before) and not NEGATORS & set(found.group(0).split()):
                    continue
                if name == "crisis" and _CRISIS_DENIAL.search(" ".join(self.words[max(0, index - 6): index])):
                    continue  # "I'm not having any thoughts of hurting myself"
                if self.past[index] and name != "recurring":  # "used to …, now …" is about change
                    continue
                if name in ("trauma", "bladder") and self.someone_else(index):
                    continue  # "my grandma fell", "my mum lost bladder control": not the person's own
                if name in ("chest", "fever", "tearing", "severe") and self.others_past(index):
                    continue  # "my coworker had a heart attack": someone else's, and over
                asked.add(name)
                if not self.asked[index]:
                    hits.add(name)
                    break
        self.hits, self.hits_asked, self.seen = frozenset(hits), frozenset(asked), frozenset(seen)

    def judged(self) -> frozenset[str]:
        """Signs the rules saw here and set aside (denied, asked about, past or someone else's):
        the classifier does not overrule them."""
        if self.hits is None:
            self._find()
        assert self.seen is not None and self.hits is not None
        words = {name for name, vocabulary in SIGN_WORDS.items() if not vocabulary.isdisjoint(self.wordset)
                 and vocabulary.isdisjoint(self.live)}
        return (self.seen - self.hits) | words


# Words too common to pick a pattern out by (a pattern is indexed by its least common words).
_FREQUENT = frozenset("""
i im my me a an the to of in on it its is are and or be was for with at so up this that not no can cant feel have
had got been get just really all some when what how do dont about after from into over off down out like as if one
both every each day time last week keep keeps still going go went take took make made would could will want think
thought now very much more any there here them they he she his her we you your yet again back since being but by
""".split())


class SignIndex:
    """Every named pattern list, with an index of the words a match of each pattern must hold.

    Regular expressions are slow to scan, and most sentences share no word with most patterns:
    one dictionary lookup per word finds the few patterns worth running on a sentence.
    ``tests/test_triage.py`` checks that the index changes no outcome."""

    def __init__(self, named: dict[str, list[re.Pattern[str]]]) -> None:
        self.entries: list[tuple[str, re.Pattern[str]]] = [(n, p) for n, ps in named.items() for p in ps]
        self.by_word: dict[str, list[int]] = {}
        self.by_stem: dict[str, list[int]] = {}
        self.always: list[int] = []
        for index, (_, pattern) in enumerate(self.entries):
            words, stems = _anchors(pattern)
            for word in words:
                self.by_word.setdefault(word, []).append(index)
            for stem in stems:
                self.by_stem.setdefault(stem, []).append(index)
            if not words and not stems:
                self.always.append(index)
        self.stems = tuple(self.by_stem)
        self.vocabulary = frozenset(self.by_word)

    def candidates(self, words: frozenset[str]) -> list[tuple[str, re.Pattern[str]]]:
        found = set(self.always)
        for word in self.vocabulary.intersection(words):
            found.update(self.by_word[word])
        if self.stems:
            for word in words:
                if word.startswith(self.stems):
                    found.update(i for stem, ids in self.by_stem.items() if word.startswith(stem) for i in ids)
        return [self.entries[i] for i in sorted(found)]


def _anchors(pattern: re.Pattern[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Words and word beginnings, one of which every match of ``pattern`` holds.

    Looks at the parts of the pattern that every match passes through (a literal word, or a
    group whose alternatives each start with a literal word) and keeps the one whose words are
    the least common, so that few sentences hold any of them. A literal followed by ``(``,
    ``?``, ``[`` or ``\\w`` may grow ("constant(ly)?", "suicid\\w*"): it counts as a beginning."""
    options = [_first_words(part) for part in _mandatory_parts(pattern.pattern)]
    usable = [o for o in options if o is not None]
    if not usable:
        return frozenset(), ()  # nothing to look for: the pattern is tried on every sentence
    words, stems = min(usable, key=_commonness)
    return frozenset(words), tuple(stems)


def _commonness(option: tuple[set[str], list[str]]) -> tuple[int, int]:
    words, stems = option
    return (sum(w in _FREQUENT for w in words) + sum(len(s) < 4 for s in stems), len(words) + len(stems))


def _mandatory_parts(source: str) -> list[str]:
    """The top-level pieces of a pattern that no match can skip: groups not followed by ``?``,
    ``*`` or ``{0,``, and runs of literal text between them."""
    parts: list[str] = []
    depth, start, literal = 0, 0, ""
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\":
            literal += source[i: i + 2] if depth == 0 else ""
            i += 2
            continue
        if char == "(":
            if depth == 0:
                # A word running straight into a group grows ("constant(ly)?"): a beginning.
                parts.append(re.sub(r"([a-z])$", "\\1\\\\w", literal))
                literal = ""
                start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                after = source[i + 1: i + 4]
                if not (after.startswith(("?", "*")) or after.startswith("{0")):
                    parts.append(source[start: i + 1])
        elif depth == 0:
            literal += char
        i += 1
    parts.append(literal)
    result = []
    for part in parts:
        if part.startswith("("):
            result.append(part)
        else:  # literal words outside groups; drop a word made optional by a following "?"
            clean = re.sub(r"\\[bdsBDS]|\.\*", " ", part)
            result.extend(f"({w})" for w in re.findall(r"[a-z]{2,}(?:\\w)?(?![a-z?\[])", clean))
    return result


def _first_words(group: str) -> tuple[set[str], list[str]] | None:
    """The first literal word of each alternative of ``(a b|c (d|e)|f)``; None when an
    alternative does not start with a literal word."""
    inner = group[1:-1]
    if inner.startswith("?:"):
        inner = inner[2:]
    alternatives, depth, current = [], 0, ""
    for char in inner:
        if char == "|" and depth == 0:
            alternatives.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    alternatives.append(current)
    words: set[str] = set()
    stems: list[str] = []
    for alternative in alternatives:
        found = re.match(r"(?:\\b)?([a-z]{2,})(\?|\(|\[|\\w)?", alternative)
        if found is None:
            return None
        word, after = found.group(1), found.group(2)
        if after is None:
            words.add(word)
        else:
            stems.append(word[:-1] if after == "?" else word)
    return words, stems


def split_sentences(folded: str, correct: Callable[[str], str] = str) -> list[Sentence]:
    sentences: list[Sentence] = []
    for part in _SENTENCE.split(folded):
        tokens = _TOKEN.findall(part)
        if not IDIOM_WORDS.isdisjoint(tokens):  # the idiom patterns are slow: only where they can match
            tokens = _TOKEN.findall(_IDIOMS.sub(" ", part))
        # Commas end clauses and negations: remember where they stood.
        words: list[str] = []
        comma_before: set[int] = set()
        for token in tokens:
            if token == ",":
                comma_before.add(len(words))
            else:
                words.append(correct(token))
        if not words:
            continue
        if sentences and _NONE_OF_THOSE.match(" ".join(words)):
            previous = sentences[-1]  # "chest pain, fever, numbness. I had none of it."
            sentences[-1] = Sentence(previous.words, previous.commas, denied=True)
        elif words[0] in DENIALS and sentences and len(sentences[-1].words) <= 4:
            previous = sentences[-1]
            sentences[-1] = Sentence(previous.words, previous.commas, denied=True)
        elif sentences and _WENT_AWAY.match(" ".join(words)):
            previous = sentences[-1]  # "my bum went numb on the seat. It went away in a minute."
            sentences[-1] = Sentence(previous.words, previous.commas, previous.denied, over=True)
        # A run-on "sentence" (no full stops in a whole page) is read in overlapping pieces, so
        # each piece runs only the patterns its own words call for.
        step = MAX_SENTENCE_WORDS - SENTENCE_OVERLAP
        for start in range(0, max(len(words) - SENTENCE_OVERLAP, 1), step):
            piece = words[start: start + MAX_SENTENCE_WORDS]
            commas = frozenset(i - start for i in comma_before if start <= i < start + MAX_SENTENCE_WORDS)
            sentences.append(Sentence(piece, commas))
    return sentences


MAX_SENTENCE_WORDS = 48
SENTENCE_OVERLAP = 10


def corrected(sentences: list[Sentence], correct: Callable[[str], str]) -> list[Sentence]:
    """The sentences whose words the typo corrector changes, corrected."""
    result = []
    for sentence in sentences:
        words = [correct(w) for w in sentence.words]
        if words != sentence.words:
            result.append(Sentence(words, sentence.commas, sentence.denied, over=sentence.over))
    return result


def _scopes(words: list[str], comma_before: frozenset[int], denied: bool,
            text: str) -> tuple[list[bool], list[bool], list[bool]]:
    """Negated, asked and past flags for each word of a sentence."""
    negated = [denied] * len(words)
    reach = 0
    for i, word in enumerate(words):
        new_clause = word in CLAUSE_STARTS and i + 1 < len(words) and words[i + 1] in SUBJECT_WORDS | {"the"}
        if i in comma_before or word in SCOPE_BREAKERS or new_clause:
            reach = 0
        if word in SCOPE_BREAKERS or denied:
            continue
        if word in NEGATORS:
            reach = NEGATION_REACH
        elif reach:
            negated[i] = True
            reach -= 1
    asked = [False] * len(words)
    past = [False] * len(words)
    ranges = _split_at(words, comma_before)
    # Each scope pattern is tried on the whole sentence first: most sentences match none, and
    # one search over the sentence is far cheaper than one per clause.
    # "more advil than the box says" compares; it does not report what someone says.
    if " than " in text:
        text = _THAN_SAYS.sub(" than", text)
    general, report = _GENERAL_QUESTION.search(text), REPORT_PHRASES.search(text)
    then_any, resolved_any = _PAST.search(text), _RESOLVED_ANY.search(text)
    reported_any, feared_any = _REPORTED.search(text), _FEARED.search(text)
    resolved_at = -1
    if resolved_any:
        resolved_at = max((n for n, (a, b) in enumerate(ranges)
                           if (n and _RESOLVED.search(" ".join(words[a:b]))) or _HEALED.search(" ".join(words[a:b]))),
                          default=-1)
    gone = reported = False
    for n, (a, b) in enumerate(ranges):
        clause = words[a:b]
        clause_set = set(clause)
        clause_text = " ".join(clause) if general or report or then_any or reported_any or feared_any else ""
        # "can slipping and falling cause …": a clause joined by "and"/"or" without a subject of
        # its own belongs to the question before it.
        continues = n > 0 and clause[0] in ("and", "or") and len(clause) > 1 and clause[1] not in SUBJECT_WORDS \
            and asked[a - 1]
        # A marker of now turns a question into a report ("why can't I lift my foot anymore"), but
        # not a question about anyone ("can a fall years ago cause spasms now?").
        generic = clause[0] in QUESTION_START and len(clause) > 1 and clause[1] in GENERIC_SUBJECTS
        question = (continues or clause[0] in QUESTION_START
                    or (general is not None and _GENERAL_QUESTION.search(_THAN_SAYS.sub(" than", clause_text))
                        is not None)) \
            and not ((clause_set & REPORT_MARKERS and not (generic and not clause_set & OWN))
                     or (report is not None and REPORT_PHRASES.search(clause_text)))
        # A past event reaches the clauses after it ("… last year and had numbness") until
        # something brings the story back to now; "… but that's long gone" closes all before it.
        if clause_set & PRESENT_MARKERS or a in comma_before:
            gone = False
        # A clause that mixes then and now ("again, like when I was a teenager") is about now.
        then = then_any is not None and _PAST.search(clause_text) is not None and not clause_set & PRESENT_MARKERS
        gone = gone or then or n <= resolved_at
        # Someone else's words ("my GP said if you ever can't pee or go numb …") run to the end
        # of the sentence.
        # … unless a "but" turns back to the person ("the physio said rest, but it's been 2 months").
        reported = (reported and clause[0] != "but") \
            or (reported_any is not None and _REPORTED.search(clause_text) is not None)
        # A fear of what may come ("my biggest worry is falling", "scared I'll end up in a
        # wheelchair") is read like a question from there to the end of the clause.
        feared = _FEARED.search(clause_text) if feared_any is not None else None
        feared_from = a + len(clause_text[: feared.start()].split()) if feared is not None else b
        for i in range(a, b):
            asked[i] = question or i >= feared_from
            past[i] = gone or reported
    return negated, asked, past


def _split_at(words: list[str], comma_before: frozenset[int]) -> list[tuple[int, int]]:
    bounds = [0]
    for i, word in enumerate(words):
        if i and i - bounds[-1] >= 2 and (i in comma_before or word in CLAUSE_STARTS):
            bounds.append(i)
    bounds.append(len(words))
    return list(itertools.pairwise(bounds))


OVERDOSE_PHRASES = _rx(
    r"\b(took|taken|swallowed|had|ate|downed|taking) (like |about |around |over |nearly |almost )?(\d\d+|[5-9]|"
    r"a handful of|"
    r"too many|a whole (bottle|pack|packet|box|strip) of|double|triple|twice the|three times the|loads of) (\w+ ){0,2}"
    r"(ibuprofen|paracetamol|acetaminophen|tylenol|advil|nurofen|aleve|naproxen|aspirin|pills|tablets|painkillers|"
    r"codeine|tramadol|co codamol|cocodamol|relaxants?|relaxers?|flexeril|cyclobenzaprine|tizanidine|metaxalone|"
    r"doses?)\b",
    r"\b(overdosed|overdose) on (my |the )?(ibuprofen|paracetamol|tylenol|advil|pills|tablets|painkillers|meds|"
    r"medication|codeine|tramadol)\b",
    # "had about 11 of the 500mg paracetamol", "took 8 of the 200mg ones"
    r"\b(took|taken|swallowed|had|ate|downed|taking) (like |about |around |over |nearly |almost |maybe )?(\d\d+|[5-9]|"
    r"eight|nine|ten|eleven|twelve|fifteen|twenty) of (the |my |those |these |\w+s )?(\d+ ?mg |\d+ )?(\w+ ){0,2}"
    r"(ibuprofen|paracetamol|acetaminophen|tylenol|advil|nurofen|aleve|naproxen|aspirin|pills|tablets|painkillers|"
    r"codeine|tramadol|co codamol|cocodamol|diazepam|ones|capsules|caps)\b",
    # "I think I've taken way over what I'm supposed to"
    r"\b(took|taken|swallowed|had|taking) (way |far |well |a lot |much )?(over|above|beyond|more than) (what (im|i am|"
    r"youre|you are|i m|you re|were|we are) (supposed|allowed|meant|told)|the (max\w*|limit|recommended|daily (limit|"
    r"max\w*|dose)))\b",
    # sedatives or opioids with drink: "3 diazepam plus two glasses of wine"
    r"\b(took|taken|had|swallowed|taking)\b.*\b(diazepam|valium|co codamol|cocodamol|codeine|tramadol|oxycodone|"
    r"morphine|gabapentin|pregabalin|zopiclone|sleeping (pills|tablets)|benzos?|xanax|opioids?|relaxants?)\b.*\b(\d+|"
    r"two|three|four|five|six|several|a few|a couple of|couple of|loads of|lots of) (glasses|pints|cans|shots|bottles|"
    r"drinks|beers)\b",
    r"\b(\d+|two|three|four|five|six|several|a few|a couple of|couple of|loads of|lots of) (glasses|pints|cans|shots|"
    r"bottles|drinks|beers)\b.*\b(took|taken|had|swallowed|taking)\b.*\b(diazepam|valium|co codamol|cocodamol|"
    r"codeine|tramadol|oxycodone|morphine|gabapentin|pregabalin|zopiclone|sleeping (pills|tablets)|benzos?|xanax|"
    r"opioids?|relaxants?)\b",
    # "took way more advil than the box says", "had more pills than I'm supposed to"
    r"\b(took|taken|swallowed|had|taking) (way |far |a lot |much |loads )?more (of (the|my) )?(ibuprofen|paracetamol|"
    r"acetaminophen|tylenol|advil|nurofen|aleve|naproxen|aspirin|pills|tablets|painkillers|codeine|tramadol|meds|"
    r"medication|relaxants?|relaxers?) than (the (box|label|packet|"
    r"pack|bottle|leaflet|instructions|doctor|pharmacist)|it says|you (are|re) supposed|im supposed|i am supposed|"
    r"i should|recommended|allowed|the max\w*|the limit)\b",
)
CRISIS_PHRASES += _rx(
    r"\b(saved|saving|stockpiled|stockpiling|hoarded|hoarding|stashed|stashing|kept|keeping) (up )?(all )?(my |"
    r"some |the |"
    r"enough )?(pills|tablets|meds|medication|painkillers)\b",
    r"\b(pills|tablets|meds|painkillers) (saved|stashed|stockpiled|hoarded) up\b",
    # Other languages: the bot answers in English, but a crisis gets help in any language.
    r"\b(quiero|quisiera) (morir|matarme|suicidarme|desaparecer)\b", r"\bme quiero (morir|matar)\b",
    r"\bno quiero (vivir|seguir)\b", r"\b(will|moechte|mochte|moechte) (nicht mehr leben|sterben)\b",
    r"\bnicht mehr leben\b", r"\bmich umbringen\b", r"\b(veux|voudrais) (mourir|me suicider|en finir)\b",
    r"\bme suicider\b", r"\bquero (morrer|me matar)\b", r"\bvoglio (morire|uccidermi)\b", r"\bsuicid\w*\b",
)
SIGNS = SignIndex({
    "crisis": CRISIS_PHRASES, "bladder": BLADDER_PHRASES, "saddle": SADDLE_PHRASES, "legs": LEG_PHRASES,
    "numbness": NUMB_PHRASES, "chest": CHEST_PHRASES, "tearing": TEARING_PHRASES, "fever": FEVER_PHRASES,
    "trauma": TRAUMA_PHRASES, "severe": SEVERE_PHRASES, "recurring": RECURRING_PHRASES, "overdose": OVERDOSE_PHRASES,
})
URGENT_SIGNS = frozenset(REASON_ENTRIES)
# Single words that name a sign, for ``Sentence.judged``.
SIGN_WORDS = {"bladder": INCONTINENCE, "numbness": NUMB, "fever": FEVER, "trauma": TRAUMA, "severe": SEVERE}
# Crisis patterns that may span two sentences ("I've saved my pills. I know what I'll do").


def _urgent_reason(s: Sentence, message_pain: bool, cleared: frozenset[str] = frozenset(),
                   pregnant: bool = False) -> str | None:
    """The emergency sign in one sentence, if any. ``message_pain``: the message mentions back
    pain; ``cleared``: signs the person said are fine ("my bladder is fine"); ``pregnant``: the
    message says the person is pregnant (bleeding anywhere in it is then an emergency)."""
    cold = bool(s.wordset & COLD_CONTEXT)
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("bladder", lambda: s.match("bladder") or s.has(INCONTINENCE) or (s.has(BLADDER) and s.has_own(CONTROL_LOSS))),
        ("saddle", lambda: s.match("saddle") or (s.has(NUMB) and s.has(SADDLE))),
        ("legs", lambda: s.match("legs") or (s.has(WEAK) and s.has(BODY_LOW))),
        ("numbness", lambda: not cold and (s.match("numbness")
                                           or (s.has(NUMB) and s.has(BODY_LOW | ARMS, questions=True))
                                           or (s.has(WEAK) and s.has(ARMS)))),
        ("chest", lambda: message_pain and s.match("chest")),
        ("tearing", lambda: s.match("tearing")),
        ("fever", lambda: message_pain and (s.has_own(FEVER - CHILLS if cold else FEVER) or s.match("fever"))),
        ("trauma", lambda: not _NOT_TRAUMA.search(s.text)
                   and (s.match("trauma") or (s.has_own(TRAUMA) and message_pain))),
        ("severe", lambda: s.match("severe") or (s.has(SEVERE) and message_pain)),
        ("overdose", lambda: s.match("overdose")),
        ("pregnancy", lambda: (pregnant or s.has(PREGNANT)) and s.has(BLEEDING) and not _NOT_BLEEDING.search(s.text)),
    ]
    return next((reason for reason, check in checks if reason not in cleared and check()), None)


# Chat spellings that typo correction cannot reach (they are too far from the word).
SPELLINGS = {"bout": "about", "abt": "about", "nite": "night", "ur": "your", "u": "you", "r": "are", "im": "im",
             "cud": "could", "wud": "would", "coz": "because", "cuz": "because", "nobody": "nobody", "noone": "nobody",
             "tho": "though", "pls": "please", "gonna": "going", "wanna": "want", "kinda": "kind"}


class TriageSpelling:
    """Typo correction for triage, plus chat spellings: "thinkin bout jumpin" → "thinking about
    jumping" (a dropped g is restored when that makes a common word)."""

    def __init__(self, corrector: Corrector) -> None:
        self.corrector = corrector

    def correct(self, word: str) -> str:
        if word in SPELLINGS:
            return SPELLINGS[word]
        if word.endswith("in") and len(word) > 4 and word not in self.corrector.protected \
                and word + "g" in self.corrector.protected:
            return word + "g"
        return self.corrector.correct(word)


# The classifier's probability at which it raises crisis or urgent on its own: the lowest, on a
# 0.05 grid, at which 5-fold cross validation over development sets 1 to 7 and 9 gives at most
# 1% false alarms on look-alikes (half the target) and the free-text development sets' 343
# questions that are no emergency get no alarm (crisis at 0.55 alarms on one, at 0.5 on three:
# "lakers score last night"). Both were 0.6 before set 9.
THRESHOLDS = {CRISIS: 0.6, URGENT: 0.5}


class Triager:
    """Decides the triage outcome of a whole message (any length the platform allows)."""

    def __init__(self, correct: Callable[[str], str] = str, model: SentenceModel | None = None,
                 thresholds: dict[str, float] | None = None,
                 prime: Callable[[Iterable[str]], None] | None = None, common: frozenset[str] = frozenset()) -> None:
        """``prime``: corrects many words at once ahead of ``correct`` (see ``Corrector.prime``);
        ``common``: common English words, to skip text the classifier cannot read."""
        self.correct = correct
        self.prime = prime
        self.common = common
        self.model = model
        self.thresholds = thresholds or dict(THRESHOLDS)

    def rules(self, folded: str) -> Triage | None:
        return self._rules(split_sentences(folded))

    def _rules(self, as_typed: list[Sentence]) -> Triage | None:
        """Rules over the words as typed, then over the typo-corrected words: a correction can
        both reveal a sign ("numbb" → "numb") and hide one ("swerving" → "sweating")."""
        if self.prime is not None:
            self.prime(w for s in as_typed for w in s.words)
        changed = corrected(as_typed, self.correct)
        if _crisis(as_typed) or _crisis(changed):
            return Triage(CRISIS, CRISIS)
        message_pain = any(s.has(PAIN, questions=True) for s in as_typed + changed)
        whole = " ".join(s.text for s in as_typed)
        cleared = frozenset(r for found in _CLEARED.finditer(whole) for r in CLEARS.get(found.group(1), ()))
        if _CHECKED_FINE.search(whole):
            cleared |= {"trauma"}
        pregnant = any(s.has(PREGNANT, questions=True) for s in as_typed + changed)
        found = [self._signs(as_typed, message_pain, cleared, pregnant),
                 self._signs(changed, message_pain, cleared, pregnant)]
        return next((f for f in found if f is not None and f.level == URGENT), found[0] or found[1])

    def _signs(self, sentences: list[Sentence], message_pain: bool, cleared: frozenset[str],
               pregnant: bool = False) -> Triage | None:
        # Someone else's case already in a doctor's hands ("my husband is in hospital after a
        # crash, he's stable"): the person asks how to help, not for an ambulance.
        handled = _HANDLED.search(" ".join(s.text for s in sentences)) is not None
        for s in sentences:
            if handled and _OTHER_SUBJECT.match(s.text):
                continue
            reason = _urgent_reason(s, message_pain, cleared, pregnant)
            if reason is not None:
                return Triage(URGENT, reason)
        # "can a spasm make your legs go numb? both of mine have been numb since this morning"
        for a, b in itertools.pairwise(sentences):
            if "numbness" not in cleared and b.has(NUMB) and not b.wordset & COLD_CONTEXT \
                    and a.has(BODY_LOW | ARMS, questions=True):
                return Triage(URGENT, "numbness")
        if any(s.match("recurring") for s in sentences) and (
                message_pain or any(s.has(SYMPTOM | SUBJECTS) for s in sentences)):
            return Triage(SEE_DOCTOR, "recurring")
        return None

    def _readable(self, window: str) -> bool:
        """Text that is mostly made-up words (keyboard mashing) tells the classifier nothing."""
        return not self.common or _share_known(window, self.common) >= READABLE_SHARE

    def assess(self, folded: str) -> Triage | None:
        """``folded``: the message after ``textnorm.fold``."""
        sentences = split_sentences(folded)
        found = self._rules(sentences)
        if self.model is None or (found is not None and found.level == CRISIS):
            return found
        windows = [w for w in _windows(sentences) if self._readable(w)]
        if not windows:
            return found
        # Where the rules saw a sign and set it aside ("not thinking of hurting myself", "no
        # numbness"), the classifier, which cannot read negation, may not raise it again.
        judged = frozenset().union(*(s.judged() for s in sentences))
        scored = self.model.scores(windows)
        crisis = max(s[CRISIS] for s in scored)
        urgent = max(s[URGENT] for s in scored)
        # A crisis outranks an emergency sign the rules found, but only where the classifier sees
        # no emergency itself: long stories of a real emergency also score high for crisis.
        sign = found is not None and found.level == URGENT
        if crisis >= self.thresholds[CRISIS] and CRISIS not in judged and not _how_to_stop(folded) \
                and not (sign and urgent >= self.thresholds[URGENT]):
            return Triage(CRISIS, CRISIS, "model")
        if sign:
            return found
        # A general question ("when is back pain an emergency?") is answered, not escalated.
        statement = any(not all(s.asked) for s in sentences)
        # …and a message naming no body part, symptom or event ("and heat?") is not one.
        bodily = any(not s.wordset.isdisjoint(BODILY) for s in sentences)
        if urgent >= self.thresholds[URGENT] and statement and bodily and not judged & URGENT_SIGNS:
            return Triage(URGENT, "unspecified", "model")
        return found


# "back cramps every night, how do I stop them?" asks how to stop a symptom: the classifier,
# which learned "I want it all to stop", may not read it as a crisis unless the message also
# speaks of life, death, harm or feelings.
_HOW_TO_STOP = re.compile(r"\bhow (?:do|can|could|would|should|to) (?:i |you |we )?(?:(?:make|get) "
                          r"(?:it|them|this|these|that|the \w+|my \w+) (?:to )?stop"
                          r"|stop (?:it|them|this|these|that|the|my|a|an)\b)")
_HOW_TO_STOP_VETO = frozenset("""
die dying dead death kill killing suicide suicidal live living life alive end ending harm hurt myself pills overdose
anymore hopeless hopelessness give up go on feel feeling feelings thoughts burden everything nothing point
""".split())


def _how_to_stop(folded: str) -> bool:
    return bool(_HOW_TO_STOP.search(folded)) and _HOW_TO_STOP_VETO.isdisjoint(re.findall(r"[a-z]+", folded))


def _side_anchors(source: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """Anchors of one side of a spanning pattern; None when that side has none to look for."""
    words, stems = _anchors(re.compile(source))
    return (words, tuple(" " + stem for stem in stems)) if words or stems else None


def _side_hit(anchors: tuple[frozenset[str], tuple[str, ...]] | None, sentence: Sentence) -> bool:
    if anchors is None:
        return True
    words, stems = anchors  # stems carry a leading space: a word of the sentence starts with one
    if not words.isdisjoint(sentence.wordset):
        return True
    if not stems:
        return False
    spaced = " " + sentence.text
    return any(stem in spaced for stem in stems)


SPANNING = [p for p in CRISIS_PHRASES if ".*" in p.pattern]
# For a sign split over two sentences, each side of ".*" must find its words in its own sentence.
SPANNING_SIDES = [(p, _side_anchors(p.pattern.split(".*", 1)[0]), _side_anchors(p.pattern.split(".*", 1)[1]))
                  for p in SPANNING]


def _share_known(text: str, known: frozenset[str]) -> float:
    words = text.split()
    return sum(w in known for w in words) / max(len(words), 1)


def _crisis(sentences: list[Sentence]) -> bool:
    """Thoughts of suicide or self-harm in a sentence or across two ("I've saved my pills. I know
    what I'm going to do"). Questions count: "should I just end it?" is not hypothetical."""
    if any(s.match("crisis", questions=True) and not _OVERDOSE_NOT_DRUG.search(s.text) for s in sentences):
        return True
    for a, b in itertools.pairwise(sentences):
        patterns = [p for p, left, right in SPANNING_SIDES if _side_hit(left, a) and _side_hit(right, b)]
        if patterns and _joined(a, b, SignIndex({"crisis": patterns})).match("crisis", questions=True):
            return True
    return False


def _joined(a: Sentence, b: Sentence, index: SignIndex) -> Sentence:
    joined = Sentence(a.words + b.words, index=index)
    joined._negated, joined._asked, joined._past = a.negated + b.negated, a.asked + b.asked, a.past + b.past
    kept = [i for i in range(len(joined.words)) if not joined._negated[i] and not joined._past[i]]
    joined._live_asked = frozenset(joined.words[i] for i in kept)
    joined._live = frozenset(joined.words[i] for i in kept if not joined._asked[i])
    return joined


WINDOW_CHARS = 300
READABLE_SHARE = 0.3  # of a window's words that must be common English for the classifier to read it


def _windows(sentences: list[Sentence]) -> list[str]:
    """The texts the classifier reads: runs of whole sentences of up to ``WINDOW_CHARS``, so a
    sign is scored close to where it stands, not diluted by a long story around it."""
    windows: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence.text) > WINDOW_CHARS:
            windows.append(current)
            current = ""
        current = f"{current} {sentence.text}".strip()
    if current:
        windows.append(current)
    return windows


# Medicines someone may take too much of (an overdose is an emergency sign too).
MEDICINES = frozenset("""
ibuprofen paracetamol acetaminophen tylenol advil nurofen aleve naproxen aspirin codeine tramadol cocodamol diazepam
valium morphine oxycodone gabapentin pregabalin pills tablets painkillers relaxants mg
""".split())
# Words that tie a message to the body: the classifier alone escalates only a message with one.
# Back and pain words alone do not count: "back pain" is the commonest message there is.
BODILY = (BODY_LOW | ARMS | SADDLE | NUMB | WEAK | FEVER | SEVERE | TRAUMA | INCONTINENCE | BLADDER | BLEEDING
          | frozenset("chest breath breathe breathing heart jaw tearing ripping bone bones".split()) | MEDICINES)

# Sign words a person can deny ("no fever"): left out of the topic search when denied.
DENIABLE = NUMB | FEVER | WEAK | INCONTINENCE | TRAUMA | SEVERE | frozenset("""
tingling tingly tingle numbness weakness chills temperature bladder bowel bowels chest breath breathless
""".split())

# Words the typo corrector may correct towards (on top of the catalogue's own).
VOCABULARY = (NEGATORS | PAIN | BODY_LOW | ARMS | SADDLE | NUMB | WEAK | FEVER | SEVERE | SYMPTOM | TRAUMA
              | INCONTINENCE | BLADDER | CONTROL_LOSS | frozenset("""
suicide suicidal myself overdose disappear chest breath breathe breathing tearing ripping paralysed paralyzed bladder
urinate pills tablets kill die dead dying numb groin
""".split()))
