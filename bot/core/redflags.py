"""Red flags in a free-text message: emergencies first, then "see a doctor" patterns.

Rules work on folded, typo-corrected words, so "numbb legz" and "cant hold my pee" still
count. They look for combinations (a body part with a loss of function), not single words,
so "how long should ice stay on" never reads as an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BLADDER = {"urine", "urinate", "urinating", "urination", "pee", "peeing", "bladder", "bowel", "bowels", "poop",
           "pooping", "stool", "stools", "toilet", "wee", "weeing", "faeces", "feces"}
CONTROL_LOSS = {"control", "controlling", "trouble", "hold", "holding", "leak", "leaked", "leaking", "leaks",
                "accident", "accidents", "lost", "loss", "cant", "cannot", "unable", "wet"}
INCONTINENCE = {"incontinence", "incontinent"}
LEGS = {"leg", "legs", "knee", "knees", "foot", "feet", "thigh", "thighs", "calf", "calves", "ankle", "ankles",
        "groin", "buttock", "buttocks", "saddle", "toes", "bum", "butt", "bottom", "genitals", "genital"}
ARMS = {"arm", "arms", "hand", "hands", "finger", "fingers"}
WEAK = {"weak", "weakness", "weaker", "buckling", "buckle", "buckles", "buckled", "collapse", "collapsing",
        "collapsed", "paralysed", "paralyzed", "paralysis", "dragging", "control", "wobbly", "useless"}
NUMB = {"numb", "numbness", "numbed", "numbing", "unfeeling"}
TRAUMA_PAST = {"fell", "fallen", "crashed", "slipped", "tumbled", "collided", "knocked", "tackled", "rearended",
               "hit"}
HYPOTHETICAL_START = {"can", "could", "would", "will", "does", "do", "is", "are", "should", "may", "might", "what",
                      "how", "why"}
TRAUMA = {"accident", "crash", "crashed", "crashing", "collision", "collided", "fall", "fell", "fallen", "falling",
          "tumble", "tumbled", "slipped", "whiplash", "tackled", "rearended", "knocked"}
PERSONAL = {"i", "my", "me", "im", "ive", "id", "mine", "myself"}
PAIN = {"back", "spine", "spinal", "neck", "pain", "painful", "hurt", "hurts", "hurting", "hurted", "sore", "ache",
        "aches", "aching", "achy", "spasm", "spasms", "spasming", "cramp", "cramps", "cramping", "tender",
        "stiff", "injured", "agony"}
FEVER = {"fever", "feverish", "chills", "chill", "shivering", "shivers", "rigors", "febrile", "sweats"}
TEMPERATURE = {"temp", "temperature"}
SEVERE = {"unbearable", "excruciating", "agony", "agonizing", "agonising", "intolerable", "unbearably", "unendurable"}
SYMPTOM = PAIN | {"twitch", "twitching", "tight", "tightness", "knot", "knots", "episode", "episodes", "flare",
                  "flares", "flareups", "attacks", "attack"}

_FEVER_NUMBER = re.compile(r"\b(3[89](?:[.,]\d)?|4[01](?:[.,]\d)?|10[0-5](?:[.,]\d)?)\s*(?:c\b|f\b|degrees?|°)?")

def _compile(*patterns: str) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


LEGS_FAILING = _compile(
    r"\b(cant|cannot|can not|unable to|couldnt) (walk|stand|feel my (legs?|feet|foot))\b",
    r"\b(legs?|knees?) (keeps? )?(giving|give|gave|gives) (way|out)\b",
    r"\b(legs?|knees?) (wont|cant|can not|cannot|dont|wouldnt|arent) (hold|support|carry) (me|my)\b",
    r"\b(lost|losing|lose|no) (all )?(the )?(strength|power|control) (in|of) (my |both |one )?(legs?|feet|foot)\b",
)
TRAUMA_EVENTS = _compile(
    r"\b(hit by a (car|bike|truck|bus|cyclist)|rear ?ended|t ?boned|(car|bike|motorbike|motorcycle) "
    r"(crash|accident|collision))\b",
    r"\b(after|since) (a|an|my|the) (bad |nasty |big |serious |hard |little )?(fall|crash|accident|collision|"
    r"tumble)\b",
)
SEVERE_OR_LOSS = _compile(
    r"\b(wet|wetting|peeing|pee|pissing|soiled|soiling|pooing|pooping) (myself|my pants|the bed)\b",
    r"\bworst (back )?pain\b",
    r"\b10 ?(/|out of) ?10\b",
    r"\bcant (bear|stand|take|handle) (it|the pain|this pain)\b",
    r"\bpins and needles\b.*\b(legs?|feet|groin)\b",
    r"\bsudden(ly)? (and )?(severe|intense|extreme|horrible|terrible|unbearable|excruciating)\b",
    r"\b(severe|intense|extreme)\b.*\b(sudden|suddenly|out of nowhere)\b",
    r"\b(sudden|suddenly|out of nowhere)\b.*\b(severe|intense|extreme)\b",
    r"\b(cant|cannot|can barely|barely|hard to) breathe?\b",
)
NUMB_PHRASES = _compile(
    r"\b(lost|losing|lose|no|without) (all )?(the )?(feeling|sensation)\b",
    r"\b(cant|cannot|can not) feel (my )?(legs?|feet|foot|toes|groin|bottom|arms?|hands?)\b",
)
RECURRING = _compile(
        r"\bkeeps? (on )?(coming back|happening|recurring|returning|coming|cramping|spasming|seizing|locking|"
        r"hurting|flaring|going into spasm)\b",
        r"\b(every|each) (day|night|morning|week)\b", r"\beveryday\b", r"\bdaily\b", r"\ball the time\b",
        r"\bconstant(ly)?\b", r"\bagain and again\b", r"\bover and over\b", r"\brecurr?(ing|ent|s|ed)?\b",
        r"\bfrequent(ly)?\b", r"\bregular(ly)?\b", r"\bso often\b", r"\bmore often\b",
        r"\b(wont|doesnt|dont|isnt|arent|never|not|hasnt|havent|has not|have not) (seem to |seems to |ever |really "
    r"|fully |completely )?(go(ing)?|went|gone) away\b",
        r"\b(not|isnt|arent|never|hasnt|havent) (getting|got|gotten) (any )?better\b",
        r"\b(getting|got|gotten|becoming|grown) worse\b", r"\bworsening\b", r"\bworse (and worse|every|each)\b",
        r"\b(for|over|past|last|after) (several |a few |few |many |two |three |four |2 |3 |4 )?(weeks|months)\b",
        r"\bstill (hurts?|there|spasming|cramping)\b", r"\bpersist(ent|s|ing)?\b", r"\bwont (settle|stop|ease)\b",
    r"\bdoesnt (settle|stop|ease)\b", r"\bnot (settling|stopping|resolving|easing)\b", r"\bunresolved\b",
    r"\b(no|not any|none the) better\b",
    r"\bbeen (a |about |over |almost |nearly )?(\d+|two|three|four|five|six|several|a few|few|many) (weeks|months)\b",
    r"\bevery (few|couple of|other|single) (days?|weeks?|hours?)\b",
    r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) time\b",
)


@dataclass(frozen=True, slots=True)
class Flag:
    level: str  # "urgent" or "see_doctor"
    reason: str  # a key: bladder, legs, numbness, trauma, fever, severe, recurring
    entry_id: str  # the content entry that goes with it


def detect(words: list[str], folded: str) -> Flag | None:
    """``words`` are folded, typo-corrected tokens; ``folded`` is the folded text."""
    present = set(words)
    text = " ".join(words)
    pain = bool(present & PAIN)
    if present & INCONTINENCE or (present & BLADDER and present & CONTROL_LOSS):
        return Flag("urgent", "bladder", "pinched")
    if (present & NUMB and present & (LEGS | ARMS)) or (_any(NUMB_PHRASES, text) and present & (LEGS | ARMS)):
        return Flag("urgent", "numbness", "pinched")
    if (present & WEAK and present & LEGS) or _any(LEGS_FAILING, text):
        return Flag("urgent", "legs", "pinched")
    hypothetical = bool(words) and words[0] in HYPOTHETICAL_START and not present & TRAUMA_PAST
    if (present & TRAUMA and pain and not hypothetical) or _any(TRAUMA_EVENTS, text):
        return Flag("urgent", "trauma", "injury")
    fever_number = _FEVER_NUMBER.search(folded) is not None
    if (present & FEVER or (present & TEMPERATURE and (fever_number or "high" in present or "running" in present))) \
            and (pain or present & PERSONAL):
        return Flag("urgent", "fever", "infection")
    if (present & SEVERE and (pain or present & PERSONAL)) or _any(SEVERE_OR_LOSS, text):
        return Flag("urgent", "severe", "doctor")
    if present & SYMPTOM and _any(RECURRING, text):
        return Flag("see_doctor", "recurring", "doctor")
    return None


def _any(patterns: list[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


VOCABULARY = (BLADDER | CONTROL_LOSS | INCONTINENCE | LEGS | ARMS | WEAK | NUMB | TRAUMA | PAIN | FEVER
              | TEMPERATURE | SEVERE | SYMPTOM)
