"""Free-text questions: triage first, then the best-matching content entry, or an honest "no".

Ranking is BM25 (``bm25s``) over each topic's title, keywords, article section and body,
with Snowball stemming (PyStemmer), a synonym table for everyday words, and typo
correction against the catalogue's own vocabulary (RapidFuzz). Everything runs offline from
the content files; building the index takes milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import bm25s
import numpy as np

from bot.core import smalltalk
from bot.core.catalogue import Catalogue, Entry
from bot.core.chat import GROUP_PREFIX, TOPIC_PREFIX, ChatService
from bot.core.language import english_only, foreign_language
from bot.core.replies import Button, Reply
from bot.core.textnorm import Corrector, common_english, fold, stem, words
from bot.core.triage import CRISIS, DENIABLE, URGENT, SentenceModel, Triage, Triager, TriageSpelling, split_sentences
from bot.core.triage import VOCABULARY as TRIAGE_WORDS
from bot.core.views import AnswerView, Part

MAX_QUESTION_CHARS = 1000
SHORT_BODY = 700

STOPWORDS = frozenset("""
a about above after again against all also am an and any anything are as at be because been before being
below between both but by can cant could couldnt did didnt do does doesnt doing dont down during each either
else ever every few for from further get gets getting go goes going got had has have having he her here hers
him his how however i id if ill im in into is isnt it its itll ive just kind know let like lot lots make may
me might mine more most much must my myself need needs no nor not now of off often on once one only or other
our out over own please pretty quite rather really right said same say says should so some something
sometimes still such sure tell than thank thanks that thats the their them then there these they thing things
think this those though through thx to too u under until up upon us use used using very want was wasnt way we
well were what whats when where whether which while who will with without wont would yeah yes yet you
your youre abt pls plz ok okay hi hello hey help helps helped helping good best better work works working
actually anyway just tips tip idea ideas question wondering wonder guys someone anyone
""".split())

# Everyday words → the catalogue's words. Keys and values are folded words (values may be several).
SYNONYMS: dict[str, str] = {
    "cold": "ice", "frozen": "ice", "icepack": "ice", "icing": "ice", "peas": "ice",
    "warm": "heat", "warmth": "heat", "heating": "heat", "heated": "heat", "hot": "heat",
    "relaxer": "relaxant", "relaxers": "relaxant", "relaxants": "relaxant",
    "pill": "medication", "pills": "medication", "tablet": "medication", "tablets": "medication",
    "drug": "medication", "drugs": "medication", "medicine": "medication", "meds": "medication",
    "advil": "ibuprofen", "motrin": "ibuprofen", "nurofen": "ibuprofen", "aleve": "naproxen",
    "painkiller": "painkiller medication", "painkillers": "painkiller medication",
    "counter": "otc nonprescription", "otc": "nonprescription otc",
    "bed": "sleep", "lie": "sleep", "lying": "sleep", "night": "sleep", "asleep": "sleep", "nap": "sleep",
    "knot": "knots", "knotted": "knots",
    "adjusted": "chiropractor manipulate", "adjustment": "chiropractor manipulate", "crack": "chiropractor",
    "chiro": "chiropractor",
    "eat": "food", "eating": "food", "snack": "food", "snacks": "food", "diet": "food", "meal": "food",
    "drink": "water", "drinking": "water", "thirsty": "dehydration", "hydrated": "hydration",
    "fluids": "water",
    "operation": "surgery", "op": "surgery", "surgical": "surgery",
    "bulging": "herniated disc", "slipped": "herniated disc", "bulge": "herniated disc", "disk": "disc",
    "achy": "sore soreness", "aching": "sore", "ache": "pain", "aches": "pain",
    "twitching": "twitch", "flicker": "twitch", "flickering": "twitch", "jumping": "twitch",
    "ct": "ct scan imaging", "mri": "scan imaging", "xray": "scan imaging", "scan": "scan imaging",
    "tumour": "cancer", "tumor": "cancer",
    "deadly": "mortality", "fatal": "mortality", "dangerous": "serious",
    "wear": "osteoarthritis", "tear": "osteoarthritis", "arthritic": "osteoarthritis",
    "settle": "last heal",
    "recovery": "recover",
    "lift": "lift lifting", "lifted": "lift lifting", "carrying": "lifting", "carry": "lifting",
    "summer": "hot heat cramps", "outdoors": "outside", "sun": "hot",
    "stretches": "stretch stretching", "yoga": "stretch",
    "physio": "physical therapist", "physiotherapist": "physical therapist", "therapist": "therapist",
    "pharmacy": "nonprescription otc medication", "chemist": "nonprescription otc medication",
    "drugstore": "nonprescription otc medication",
    "gp": "doctor", "physician": "doctor", "dr": "doctor",
    "shoulder": "shoulder shoulders", "blades": "shoulder blades",
    "middle": "middle upper", "mid": "middle upper",
    "lumbar": "lower", "lowr": "lower",
    "vitamins": "vitamin", "supplement": "vitamin", "supplements": "vitamin", "defficiency": "deficiency",
    "lacking": "deficiency", "low": "deficiency",
    "sitting": "sitting desk", "office": "desk", "computer": "desk", "laptop": "desk", "hunch": "slouch",
    "hunching": "slouch", "slouching": "slouch",
    "repetitive": "repetitive repeat overuse", "repeated": "repeat overuse", "repeating": "repeat overuse",
    "massaging": "massage", "massages": "massage", "rub": "massage rub", "rubbing": "massage rub",
    "session": "massage", "masseuse": "massage therapist",
    "fascia": "fascia myofascial", "connective": "fascia",
    "nerves": "nerve", "sciatica": "nerve pinched",
    "pregnant": "", "period": "menstrual", "periods": "menstrual",
    "cramping": "cramp", "cramped": "cramp", "cramps": "cramp",
    "groceries": "lifting", "shopping": "lifting",
    "standing": "standing desk",
}

# Words that say a message is about something else entirely.
OFF_TOPIC = frozenset("""
heartburn reflux indigestion toothache tooth teeth dentist migraine migraines headache headaches flu influenza
covid coronavirus cough coughing sneezing fever acne rash eczema diabetes diabetic sinus earache ear eye eyes
asthma allergy allergies weather forecast rain recipe recipes cook cooking bake baking guacamole pizza cake
football soccer league standings score scores match basketball tennis sql query python code coding javascript
program programming stock stocks bitcoin crypto movie movies film song music lyrics election president capital
translate translation poem joke homework math maths hangover constipation insomnia nausea kidney kidneys
gallbladder gallstones diarrhea diarrhoea sunburn throat ankle ankles wrist wrists elbow elbows dog dogs cat cats
horse horses pet pets puppy kitten
""".split())

# Money and shopping: the article has nothing on them, whatever else the message mentions.
HARD_OFF_TOPIC = frozenset("cost costs price prices pricing cheap cheapest insurance".split())
# "a cold" is an illness; "cold pack" is ice.
_ILLNESS_COLD = re.compile(r"\b(a|the|common|head|chest) cold\b(?! (pack|compress|pad|therapy|water|shower))")

# Words that place a message squarely in the article's subject (compared as stems). A message
# with one of these is answered even when its match is weak; one without needs a strong match.
ANCHORS = frozenset("""
back spine spinal spasm spasms spasming cramp cramps cramping muscle muscles strain disc disk herniated
nerve pinched posture slouch sciatica thoracic lumbar twitch fasciculation dystonia torticollis blepharospasm
relaxant ibuprofen naproxen nsaid nsaids cyclobenzaprine metaxalone tizanidine flexeril skelaxin zanaflex
massage chiropractor chiropractic osteoarthritis arthritis fascia myofascial scoliosis kyphosis fibromyalgia
abscess vertebra vertebrae dehydration electrolyte stiffness stiff shoulder neck ribcage ice icing icepack
heat heating heatpad stretch stretching pillow pillows trigger dehydrated hydration
""".split())
# Real words too rare for the common-English list that look like a catalogue word one edit away.
NOT_TYPOS = frozenset("sprain sprained sprains spraining strains".split())

# Words of discomfort: with one of these (and no anchor) a fair match is enough; with neither,
# only a strong match is answered ("how can i sleep better at night" is not about backs).
SYMPTOMS = frozenset("""
pain painful ache aches aching achy sore soreness hurt hurts hurting tender stiff tight tightness numb tingling
twinge throbbing
""".split())
_POINTER = re.compile(r"/[a-z]")

# "my back hurts", "my back is killing me after the gym": a complaint about back pain with
# nothing more specific gets the calm first-aid topic, not the nearest narrow one.
GENERAL_ENTRY = "backpain"
BACK_WORDS = frozenset("back backs backache backaches spine lumbago".split())
COMPLAINT_WORDS = frozenset("""
pain pains painful hurt hurts hurting hurted sore ache aches aching achy backache backaches killing agony stiff
bad bothering bugging playing acting twinge twinges tweaked pulled threw thrown put out went gone done
""".split())
# Context that does not make a complaint more specific.
COMPLAINT_CONTEXT = frozenset("""
my the a an i im ive me is it its was been has have had so really very bit little lot today now tonight currently
lower upper low mid middle after from since at in on of with and but or what do does did should can could will
would how help please advice any tips tip anything something thing ideas idea gym workout work working job day
days morning evening night yesterday week pregnant pregnancy again also too just kind sort of quite still feel
feels feeling ugh hi hello hey ok okay thanks badly lately recently abit
""".split())


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str  # "answer", "crisis", "urgent", "see_doctor", "out_of_scope"
    reply: Reply
    entry: Entry | None = None
    score: float = 0.0
    triage: Triage | None = None


class AnswerEngine:
    def __init__(self, catalogue: Catalogue, min_score: float = 1.2, model: SentenceModel | None = None) -> None:
        self.catalogue = catalogue
        self.min_score = min_score
        self.entries = catalogue.topics()
        documents = [self._document(e) for e in self.entries]
        self.retriever = bm25s.BM25(k1=1.2, b=0.6)
        self.retriever.index(documents, show_progress=False)
        doc_words = {w for e in self.entries for w in words(" ".join((e.title, e.body, e.section, *e.keywords)))}
        synonym_words = {w for pair in SYNONYMS.items() for w in " ".join(pair).split()}
        known = doc_words | synonym_words | TRIAGE_WORDS | OFF_TOPIC | ANCHORS | STOPWORDS | SYMPTOMS | NOT_TYPOS
        common = common_english()
        self.corrector = Corrector(known, protected=common)
        self.english = frozenset(known | common)  # words that make a message English
        self.vocabulary = set(self.retriever.vocab_dict)
        self.anchor_stems = frozenset(stem(w) for w in ANCHORS)
        self.symptom_stems = frozenset(stem(w) for w in SYMPTOMS)
        # Triage corrects towards its own, smaller vocabulary: fast on long messages, and a
        # misspelt sign ("numbb", "bladdr") still reads as one.
        # Triage protects more real words than search does ("knotted" must not become "knocked").
        spelling = TriageSpelling(Corrector(TRIAGE_WORDS, protected=common_english(50_000)))
        self.triager = Triager(spelling.correct, model, prime=spelling.corrector.prime, common=common_english())
        # First-call costs (caches, the language model) are paid at start, not by a user.
        self.answer("warm up: sore bakc spasm")
        foreign_language("calentamiento", self.english)

    @staticmethod
    def _document(entry: Entry) -> list[str]:
        def toks(text: str) -> list[str]:
            return [stem(w) for w in words(text) if w not in STOPWORDS]

        keywords = " ".join(entry.keywords)
        # Lines that only point to other topics ("Spinal infection: /infection") would make an
        # overview outrank the topic it points to.
        body = "\n".join(line for line in entry.body.splitlines() if not _POINTER.search(line))
        return (toks(entry.title) * 2 + toks(keywords) * 3 + toks(entry.section) * 2 + toks(body)
                + toks(" ".join(entry.commands)))

    def understand(self, message: str) -> tuple[list[str], list[str], str]:
        """(corrected words, expanded query stems, folded text)."""
        folded = fold(message[:MAX_QUESTION_CHARS])
        # Signs a person denies ("no fever", "not numb") say what the question is not about.
        raw = [w for s in split_sentences(folded) for w, denied in zip(s.words, s.negated, strict=True)
               if not (denied and w in DENIABLE)]
        self.corrector.prime(raw)
        corrected = [self.corrector.correct(w) for w in raw]
        expanded: list[str] = []
        for word in corrected:
            if word in STOPWORDS:
                continue
            expanded.append(word)
            if word in SYNONYMS:
                expanded.extend(SYNONYMS[word].split())
        query = [stem(w) for w in expanded if w]
        return corrected, query, " ".join(corrected)

    def rank(self, query: list[str]) -> list[tuple[float, Entry]]:
        known = [q for q in query if q in self.vocabulary]
        if not known:
            return []
        scores = self.retriever.get_scores(known)
        order = np.argsort(-scores)[:3]
        return [(float(scores[i]), self.entries[int(i)]) for i in order if scores[i] > 0]

    def screen(self, message: str) -> Answer | None:
        """The crisis or emergency reply a message needs before anything else, or None.

        Anything that acts on free text (plain-word reminder requests too) calls this first."""
        triage = self.triager.assess(fold(message))
        if triage is not None and triage.level in (CRISIS, URGENT):
            return self._alarm(triage)
        return None

    def answer(self, message: str) -> Answer:
        # Triage reads the whole message: a red flag at the end of a long story counts.
        triage = self.triager.assess(fold(message))
        if triage is not None and triage.level in (CRISIS, URGENT):
            return self._alarm(triage)
        chat = smalltalk.kind_of(message)
        if chat is not None:
            return Answer("smalltalk", self._small_talk(chat))
        language = foreign_language(message, self.english)
        if language is not None:  # typo correction would turn it into English words it never said
            return Answer("out_of_scope", Reply(text=english_only(language)))
        corrected, query, folded = self.understand(message)
        general = self.catalogue.entries.get(GENERAL_ENTRY)
        if triage is None and general is not None and _general_complaint(corrected):
            return Answer("answer", self._entry_reply(general, query), general, 0.0)
        ranked = self.rank(query)
        own = {stem(w) for w in corrected}  # the user's own words, before synonyms
        on_topic = bool(own & self.anchor_stems)
        symptom = bool(own & self.symptom_stems)
        off_topic = (bool(set(corrected) & OFF_TOPIC or _ILLNESS_COLD.search(folded)) and not on_topic) \
            or bool(set(corrected) & HARD_OFF_TOPIC)
        best = ranked[0] if ranked and not off_topic else None
        needed = self.min_score * (0.4 if on_topic else 3.0 if symptom else 6.0)
        confident = best is not None and best[0] >= needed
        if triage is not None:  # see a doctor: the note, then the best topic or /doctor
            entry = best[1] if confident and best is not None else self.catalogue.entries.get("doctor")
            return Answer(triage.level, self._see_doctor_reply(entry, query), entry, best[0] if best else 0.0,
                          triage)
        if not confident or best is None:
            return Answer("out_of_scope", self._no_answer())
        score, entry = best
        return Answer("answer", self._entry_reply(entry, query), entry, score)

    # -- replies -----------------------------------------------------------------------
    def _excerpt(self, entry: Entry, query: list[str]) -> Part:
        """The entry whole, or its first line and the lines most relevant to the question when it is long."""
        if len(entry.body) <= SHORT_BODY:
            return Part(entry)
        lines = entry.body.splitlines()
        wanted = set(query)
        scored = sorted(range(1, len(lines)), key=lambda i: -len(wanted & {stem(w) for w in words(lines[i])}))
        return Part(entry, tuple(sorted({0, *scored[:3]})))

    def _buttons(self, entry: Entry) -> tuple[tuple[Button, ...], ...]:
        return ((Button("Full topic", TOPIC_PREFIX + entry.id), Button("Related topics", GROUP_PREFIX + entry.group)),)

    def _entry_reply(self, entry: Entry, query: list[str]) -> Reply:
        return AnswerView((self._excerpt(entry, query),)).render(self.catalogue)

    def _small_talk(self, kind: str) -> Reply:
        if kind == "topics":
            menu = ChatService(self.catalogue).menu()
            return Reply(text=smalltalk.reply(kind).text, title=menu.title, buttons=menu.buttons)
        if kind == "start":
            return ChatService(self.catalogue).start()
        return smalltalk.reply(kind)

    def _alarm(self, triage: Triage) -> Answer:
        """Crisis: help and nothing else. Urgent: the warning, then what the article says, if anything."""
        safety = self.catalogue.safety
        if triage.level == CRISIS:
            return Answer(CRISIS, Reply(text=safety.marked(safety.crisis.body), title=safety.crisis.title),
                          triage=triage)
        text = safety.marked(f"{safety.urgent.body}\n{safety.reasons[triage.reason]}")
        entry = self.catalogue.entries.get(triage.entry_id) if triage.entry_id else None
        if entry is not None:
            text += f"\n\nWhat the article says ({entry.title}):\n{self._excerpt(entry, []).text()}"
        buttons = self._buttons(entry) if entry is not None else ()
        return Answer(URGENT, Reply(text=text, title=safety.urgent.title, buttons=buttons), entry, triage=triage)

    def _see_doctor_reply(self, entry: Entry | None, query: list[str]) -> Reply:
        safety = self.catalogue.safety
        if entry is None:
            return Reply(text=safety.marked(safety.see_doctor.body), title=safety.see_doctor.title)
        return AnswerView((self._excerpt(entry, query),), see_doctor=True).render(self.catalogue)

    def _no_answer(self) -> Reply:
        return Reply(text="Sorry, my article on back spasms and pain has no answer to that, and I only say what it "
                          "says. Send /help to see the topics I can tell you about.")


_MENTION = re.compile(r"@\w+")


def strip_mentions(text: str) -> str:
    return _MENTION.sub(" ", text).strip()


def _general_complaint(words: list[str]) -> bool:
    present = set(words)
    return bool(present & BACK_WORDS or {"backache", "backaches"} & present) and bool(present & COMPLAINT_WORDS) \
        and present <= BACK_WORDS | COMPLAINT_WORDS | COMPLAINT_CONTEXT
