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
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core import smalltalk
from bot.core.catalogue import Catalogue, Entry
from bot.core.chat import GROUP_PREFIX, TOPIC_PREFIX, ChatService
from bot.core.language import english_only, foreign_language
from bot.core.replies import Button, Reply
from bot.core.textnorm import Corrector, common_english, fold, stem, words
from bot.core.triage import (
    CRISIS,
    DENIABLE,
    SPELLINGS,
    URGENT,
    SentenceModel,
    Triage,
    Triager,
    TriageSpelling,
    split_sentences,
)
from bot.core.triage import VOCABULARY as TRIAGE_WORDS
from bot.core.views import AnswerView, Part

MAX_QUESTION_CHARS = 1000
SHORT_BODY = 700
SHORT_PART = 500  # in an answer to several questions each topic is kept shorter
PART_LINES = 3
QUESTION_WEIGHT = 1.0
PLAIN_FACTOR = 4.0
LONG_MESSAGE = 160  # longer than this, a message is matched on its question sentences first
MAX_PARTS = 3
MAX_CLAUSES = 6
# Words that do not stop a message from being a bare topic name ("bananas?", "what about advil").
BARE_FILLER = frozenset("about regarding info information more topic topics take taking ok okay safe good fine"
                        .split())

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

# Chat shorthand, read as the words it stands for before typo correction.
SHORTHAND: dict[str, str] = {
    **SPELLINGS,  # triage's chat spellings ("abt", "u", "cuz"…), plus what questions add:
    "wat": "what", "wut": "what", "shud": "should", "shld": "should", "cld": "could", "y": "why", "bc": "because",
    "b4": "before", "tmrw": "tomorrow", "2day": "today", "2nite": "tonight", "bak": "back", "nanas": "bananas",
    "naner": "banana", "rly": "really", "prob": "probably", "hw": "how", "hrs": "hours", "mins": "minutes",
    "wk": "week", "wks": "weeks", "ppl": "people",
}

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
    "fix": "relief", "cure": "relief", "quickest": "quick fastest", "apart": "diagnose difference",
    "recovery": "recover",
    "lift": "lift lifting", "lifted": "lift lifting", "carrying": "lifting", "carry": "lifting",
    "summer": "hot heat cramps", "outdoors": "outside", "sun": "hot",
    "stretches": "stretch stretching", "yoga": "stretch",
    "physio": "physical therapist", "physiotherapist": "physical therapist", "therapist": "therapist",
    "pharmacy": "nonprescription otc medication", "chemist": "nonprescription otc medication",
    "drugstore": "nonprescription otc medication",
    "gp": "doctor", "physician": "doctor", "dr": "doctor", "er": "doctor", "hospital": "doctor",
    "shoulder": "shoulder shoulders", "blades": "shoulder blades",
    "middle": "middle upper", "mid": "middle upper",
    "lumbar": "lower", "lowr": "lower",
    "vitamins": "vitamin", "supplement": "vitamin", "supplements": "vitamin", "defficiency": "deficiency",
    "lacking": "deficiency", "low": "lower",
    "sitting": "sitting desk", "office": "desk", "computer": "desk", "laptop": "desk", "hunch": "slouch",
    "hunching": "slouch", "slouching": "slouch",
    "repetitive": "repetitive repeat overuse", "repeated": "repeat overuse", "repeating": "repeat overuse",
    "massaging": "massage", "massages": "massage", "rub": "massage rub", "rubbing": "massage rub",
    "rubs": "topical creams", "creams": "topical creams", "ointment": "topical creams", "gel": "topical creams",
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

# Cramps and pain somewhere other than the back ("stomach cramps", "leg cramps at night",
# "a charley horse in my calf"): the article is about backs, so these get an honest no.
_PAINFUL = r"(?:muscle\s+)?(?:cramp|cramps|cramping|spasm|spasms|pain|pains|ache|aches|hurts?)"
# (Toes, knees, jaws, eyes and stomachs are in ELSEWHERE_WORDS, which declines them outright.)
_ELSEWHERE = re.compile(
    r"\b(?:calf|calves|leg|legs|thigh|thighs|foot|feet|hand|hands|finger|fingers|eyelid|knees)\s+" + _PAINFUL
    + r"\b|\bcharley\s+horses?\b|\b(?:cramp|cramps|spasm|spasms|pain)\s+in\s+(?:my|the|your)\s+"
    r"(?:calf|calves|leg|legs|thigh|foot|feet|hands?)\b")
# Organs: "stomach cramps" are not the muscle cramps the article's food and water topics mean.
_ORGANS = re.compile(r"\b(?:tummy|belly|abdominal|bowel|period|menstrual)\s+" + _PAINFUL + r"\b"
                     r"|\b(?:cramp|cramps|pain)\s+in\s+(?:my|the)\s+(?:tummy|belly|abdomen)\b")
# Topics about cramps in any muscle, which answer "what fruit helps with leg cramps" too.
ANY_MUSCLE = frozenset("foods bananas avoid vitamins dehydration heatcramps".split())
ORGAN_TOPICS = frozenset({"smooth"})
BACK_PLACES = frozenset("back backs spine spinal lumbar thoracic neck shoulder shoulders".split())
# Words too general to say what a message is about: a question whose only other words are
# things the article never mentions ("does acupuncture work for back pain") gets an honest no.
GENERIC = frozenset("""
back backs pain pains painful hurt hurts hurting sore ache aches aching spasm spasms cramp cramps muscle muscles
lower upper low bad work works help helps good best use using put get try trying worth long time day days week
weeks thing things way ways really actually
""".split())

# Money and shopping: the article has nothing on them, whatever else the message mentions.
HARD_OFF_TOPIC = frozenset("""
cost costs price prices pricing cheap cheapest insurance medicare medicaid mg milligram milligrams dose doses
dosage dosing
""".split())
# Body parts and complaints that put a message somewhere else unless it also names the back.
ELSEWHERE_WORDS = frozenset("""
knee heel heels plantar fasciitis gout toe toes stomach headache headaches migraine migraines eye eyes jaw head
wrist wrists ankle ankles elbow elbows hip hips
""".split())
# Common words for treatments, devices and settings the article never mentions.
UNCOVERED = frozenset("""
fusion tens brace braces cbd inversion theragun pilates mckenzie labour labor childbirth trimester acupuncture
acupuncturist cupping needling kinesio physiotherapy shoes
""".split())
# Things the bot cannot do for anyone: an honest no, not the nearest topic.
_REQUEST = re.compile(r"^(?:(?:can|could|would|will) you |please |pls |plz )?(?:write|book|call|order|buy|find|send"
                      r"|email|text|phone|schedule|make|create|draw|translate|give me|get me|walk me through"
                      r"|recommend me|remind)\b(?! me to\b)")
# "a cold" is an illness; "cold pack" is ice.
_ILLNESS_COLD = re.compile(r"\b(a|the|common|head|chest) cold\b(?! (pack|compress|pad|therapy|water|shower))")

# Words that place a message squarely in the article's subject (compared as stems). A message
# with one of these is answered even when its match is weak; one without needs a strong match.
ANCHORS = frozenset("""
back spine spinal spasm spasms spasming cramp cramps cramping muscle muscles strain disc disk herniated
nerve pinched posture slouch sciatica thoracic lumbar twitch fasciculation dystonia torticollis blepharospasm
relaxant ibuprofen naproxen nsaid nsaids advil motrin nurofen aleve
cyclobenzaprine metaxalone tizanidine flexeril skelaxin zanaflex
massage chiropractor chiropractic osteoarthritis arthritis fascia myofascial scoliosis kyphosis fibromyalgia
abscess vertebra vertebrae dehydration electrolyte stiffness stiff shoulder neck ribcage ice icing icepack
heat heating heatpad stretch stretching pillow pillows trigger dehydrated hydration
""".split())
# Real words too rare for the common-English list that look like a catalogue word one edit away.
NOT_TYPOS = frozenset("sprain sprained sprains spraining strains".split())

# Words of discomfort: with one of these (and no anchor) a fair match is enough; with neither,
# the topic must also use every meaningful word of the message ("what vitamins should kids
# take" is not about the vitamins-for-spasms topic).
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
cramping spasming keeps keep seized seizing locked tight
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
class Match:
    entry: Entry
    score: float
    query: list[str]


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
        known = doc_words | synonym_words | TRIAGE_WORDS | OFF_TOPIC | ANCHORS | STOPWORDS | SYMPTOMS | NOT_TYPOS \
            | ELSEWHERE_WORDS | UNCOVERED | HARD_OFF_TOPIC
        common = common_english()
        self.corrector = Corrector(known, protected=common)
        self.known = frozenset(known)  # the words the bot itself knows: they make a message English
        self.vocabulary = set(self.retriever.vocab_dict)
        # The questions people ask, one small document each: a message worded like one of them
        # finds its topic even when it shares few words with the topic's own text.
        self.question_owner: list[int] = []
        question_docs: list[list[str]] = []
        for index, entry in enumerate(self.entries):
            for question in entry.questions:
                question_docs.append(self._expand(words(question)))
                self.question_owner.append(index)
        self.questions: bm25s.BM25 | None = None
        if question_docs:
            self.questions = bm25s.BM25(k1=1.2, b=0.75)
            self.questions.index(question_docs, show_progress=False)
            self.vocabulary |= set(self.questions.vocab_dict)
            self.question_vocabulary = set(self.questions.vocab_dict)
        self.commands = {stem(c): e for e in self.entries for c in e.commands}
        # Every word a topic, its questions or the synonym table knows: the article's subjects.
        self.topic_words_plain = frozenset(doc_words | synonym_words | ANCHORS | SYMPTOMS | NOT_TYPOS
                                           | {w for e in self.entries for q in e.questions for w in words(q)})
        self.topic_stems = frozenset(stem(w) for w in self.topic_words_plain)
        self.everyday = common_english(5_000)
        self.common = common_english(25_000)
        self.typo_targets = sorted(self.topic_words_plain | STOPWORDS)
        # A one-word keyword only one topic has ("magnesium") names that topic.
        owners: dict[str, set[str]] = {}
        for e in self.entries:
            for keyword in e.keywords:
                if " " not in keyword:
                    owners.setdefault(stem(fold(keyword)), set()).add(e.id)
        self.keyword_owner = {k: catalogue.entries[next(iter(v))] for k, v in owners.items()
                              if len(v) == 1 and k not in {stem(w) for w in self.everyday}}
        self.entry_stems = {e.id: frozenset(stem(w) for w in words(" ".join((e.title, e.body, e.section, *e.keywords,
                                                                              *e.questions, *e.commands))))
                            for e in self.entries}
        self.anchor_stems = frozenset(stem(w) for w in ANCHORS)
        self.symptom_stems = frozenset(stem(w) for w in SYMPTOMS)
        # Triage corrects towards its own, smaller vocabulary: fast on long messages, and a
        # misspelt sign ("numbb", "bladdr") still reads as one.
        # Triage protects more real words than search does ("knotted" must not become "knocked").
        spelling = TriageSpelling(Corrector(TRIAGE_WORDS, protected=common_english(50_000)))
        self.triager = Triager(spelling.correct, model, prime=spelling.corrector.prime, common=common_english())
        self._last_triage: tuple[str, Triage | None] | None = None
        # First-call costs (caches, the language model) are paid at start, not by a user.
        self.answer("warm up: sore bakc spasm")
        foreign_language("calentamiento", self.ours)

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
        raw = [SHORTHAND.get(w, w) for w in raw]
        self.corrector.prime(raw)
        corrected = [self.corrector.correct(w) for w in raw]
        return corrected, self._expand(corrected), " ".join(corrected)

    @staticmethod
    def _expand(corrected: list[str]) -> list[str]:
        """Query stems: the words that carry meaning, plus the catalogue's words for everyday ones."""
        expanded: list[str] = []
        for word in corrected:
            if word in STOPWORDS:
                continue
            expanded.append(word)
            if word in SYNONYMS:
                expanded.extend(SYNONYMS[word].split())
        return [stem(w) for w in expanded if w]

    def rank(self, query: list[str]) -> list[tuple[float, Entry]]:
        known = [q for q in query if q in self.vocabulary]
        if not known:
            return []
        in_docs = [q for q in known if q in self.retriever.vocab_dict]
        scores = self.retriever.get_scores(in_docs) if in_docs else np.zeros(len(self.entries))
        if self.questions is not None:
            in_questions = [q for q in known if q in self.question_vocabulary]
            if in_questions:
                per_question = self.questions.get_scores(in_questions)
                best = np.zeros(len(self.entries))
                np.maximum.at(best, self.question_owner, per_question)
                scores = scores + QUESTION_WEIGHT * best
        order = np.argsort(-scores)[:3]
        return [(float(scores[i]), self.entries[int(i)]) for i in order if scores[i] > 0]

    def ours(self, word: str) -> bool:
        """A folded word of the bot's own: known, chat shorthand, or a long word's typo ("heeting")."""
        return word in self.known or word in SHORTHAND or (
            len(word) >= 6 and self.corrector.correct(word) in self.known)

    def _assess(self, message: str) -> Triage | None:
        """Triage, once per message: ``screen`` and then ``answer`` on the same text share it."""
        folded = fold(message)
        if self._last_triage is not None and self._last_triage[0] == folded:
            return self._last_triage[1]
        triage = self.triager.assess(folded)
        self._last_triage = (folded, triage)
        return triage

    def screen(self, message: str) -> Answer | None:
        """The crisis or emergency reply a message needs before anything else, or None.

        Anything that acts on free text (plain-word reminder requests too) calls this first."""
        triage = self._assess(message)
        if triage is not None and triage.level in (CRISIS, URGENT):
            return self._alarm(triage)
        return None

    def answer(self, message: str) -> Answer:
        # Triage reads the whole message: a red flag at the end of a long story counts.
        triage = self._assess(message)
        if triage is not None and triage.level in (CRISIS, URGENT):
            return self._alarm(triage)
        chat = smalltalk.kind_of(message)
        if chat is not None:
            return Answer("smalltalk", self._small_talk(chat))
        language = foreign_language(message, self.ours)
        if language is not None:  # typo correction would turn it into English words it never said
            return Answer("out_of_scope", Reply(text=english_only(language)))
        whole = self._match(message, general_ok=True)
        if whole is None and len(message) < LONG_MESSAGE and triage is None and self._declined(message):
            return Answer("out_of_scope", self._no_answer())  # "stomach bug, … what should I eat"
        found = self._per_question(message)
        if len(found) >= 2 and triage is None:
            parts = tuple(self._excerpt(m.entry, m.query, SHORT_PART, keep=PART_LINES) for m in found)
            return Answer("answer", AnswerView(parts).render(self.catalogue), found[0].entry, found[0].score)
        # One question found: in a long story its sentence says more than the whole; in a short
        # message the whole ("strained my back, what should I do first") says more than a part.
        if len(message) >= LONG_MESSAGE:
            best = found[0] if found else whole
        else:
            best = whole or (found[0] if found else None)
        if triage is not None:  # see a doctor: the note, then the best topic or /doctor
            if best is not None:
                return Answer(triage.level, self._see_doctor_reply(best.entry, best.query), best.entry,
                              best.score, triage)
            entry = self.catalogue.entries.get("doctor")
            return Answer(triage.level, self._see_doctor_reply(entry, []), entry, 0.0, triage)
        if best is None:
            return Answer("out_of_scope", self._no_answer())
        return Answer("answer", self._entry_reply(best.entry, best.query), best.entry, best.score)

    def _per_question(self, message: str) -> list[Match]:
        """The best topic for each question of a message that asks one or more (in order, at
        most three, each topic once). A long story is matched on its question sentences."""
        # A story repeats itself: each distinct question counts once, and the first few are enough.
        clauses = list(dict.fromkeys(question_clauses(message[:MAX_QUESTION_CHARS])))[:MAX_CLAUSES]
        if len(clauses) < 2 and len(message) < LONG_MESSAGE:
            return []
        found: list[Match] = []
        # The other questions of a message about backs are about backs too ("…, and how should
        # I sleep tonight?"): they need a fair match, not a strong one.
        anchored = bool({stem(w) for w in self.understand(message)[0]} & self.anchor_stems)
        for index, clause in enumerate(clauses):
            match = self._match(clause, general_ok=True, anchored=anchored)
            if index and _IT.search(fold(clause)) and len(message) < LONG_MESSAGE:
                # "…, and what's the best massage for it": "it" is what the question before was about.
                match = self._match(f"{self._subject_of(clauses[index - 1])} {clause}", general_ok=True,
                                    anchored=anchored) or match
            if match is not None and all(m.entry.id != match.entry.id for m in found):
                found.append(match)
        return found[:MAX_PARTS]

    def _subject_of(self, clause: str) -> str:
        """The words of a question that say what it is about: "upper back spasm"."""
        place = {"upper", "lower", "middle", "mid"} | BACK_PLACES
        return " ".join(w for w in self.understand(clause)[0] if w in place or stem(w) in self.anchor_stems)

    def _declined(self, message: str) -> bool:
        """A short message that is about something else as a whole, whatever its parts ask."""
        corrected, _, folded = self.understand(message)
        return _off_topic(corrected, folded, bool({stem(w) for w in corrected} & self.anchor_stems)) \
            or self._unknown_subject(corrected)

    def _match(self, text: str, general_ok: bool, anchored: bool = False) -> Match | None:
        """The topic ``text`` asks about, if the match is confident enough, else None."""
        corrected, query, folded = self.understand(text)
        general = self.catalogue.entries.get(GENERAL_ENTRY)
        if general_ok and general is not None and _general_complaint(corrected):
            return Match(general, 0.0, query)
        own = {stem(w) for w in corrected}  # the user's own words, before synonyms
        on_topic = bool(own & self.anchor_stems)
        off_topic = _off_topic(corrected, folded, on_topic)
        # Cramps elsewhere: only topics about any muscle (or, for organs, smooth muscle) answer.
        allowed: frozenset[str] | None = None
        if not set(corrected) & BACK_PLACES:
            allowed = ORGAN_TOPICS if _ORGANS.search(folded) else ANY_MUSCLE if _ELSEWHERE.search(folded) else None
        if off_topic:
            return None
        if self._unknown_subject(corrected):
            return None
        named = self._named(corrected)
        if named is not None and (allowed is None or named.id in allowed):
            return Match(named, self.min_score, query)
        symptom = bool(own & self.symptom_stems)
        # With no word of backs or pain, the topic must also use every meaningful word of the
        # message: "how long will this last" is the duration topic's, "what vitamins should kids
        # take" is nobody's.
        plain = not (on_topic or anchored or symptom)
        ranked = self.rank(query)
        if not ranked:
            return None
        needed = self.min_score * (0.4 if on_topic else 1.5 if anchored else 3.0 if symptom else PLAIN_FACTOR)
        if plain:  # the best topic whose words cover the message, if any
            ranked = [(score, entry) for score, entry in ranked if self._covered(corrected, entry)]
            if not ranked:
                return None
        score, entry = ranked[0]
        if allowed is not None and entry.id not in allowed:
            return None
        return Match(entry, score, query) if score >= needed else None

    def _covered(self, corrected: list[str], entry: Entry) -> bool:
        """Every meaningful word of the message is one the topic (text or questions) uses:
        "what vitamins should kids take" is not answered by the topic on vitamins for spasms."""
        content = {stem(w) for w in corrected if w not in STOPWORDS and w not in COMPLAINT_CONTEXT
                   and w not in GENERIC and not w.isdigit()}
        synonyms = {stem(x) for w in corrected for x in SYNONYMS.get(w, "").split()}
        return content <= self.entry_stems[entry.id] | synonyms

    def _unknown_subject(self, corrected: list[str]) -> bool:
        """True when the message names something the article never mentions and nothing else
        but general words ("inversion tables", "kinesio tape", "acupuncture" for back pain)."""
        content = [w for w in corrected if w not in STOPWORDS and w not in COMPLAINT_CONTEXT and not w.isdigit()]
        if len(content) > 8:  # a story, not a question about one thing
            return False
        # A rare word the article never uses names a subject it doesn't cover ("acupuncture",
        # "kinesio", "trimester"): rare is outside wordfreq's 25,000 most common English words.
        # Beside a general word only, a less rare one is enough ("inversion tables for a bad back").
        # And some common words name treatments the article never mentions ("a back brace").
        known = [w for w in content if stem(w) in self.topic_stems]
        outside = [w for w in content if stem(w) not in self.topic_stems and (len(w) > 3 or w in UNCOVERED)]
        # Rare words that are only a typo away from a word of ours ("lnog", "pakc") or name
        # people ("roofers", "plumbers") say nothing about the subject.
        rare = [w for w in outside if w not in self.common and not w.endswith(("er", "ers"))
                and process.extractOne(w, self.typo_targets, scorer=OSA.distance, score_cutoff=1) is None]
        subjects = [w for w in known if w not in GENERIC]
        if (rare and len(subjects) <= 2) or any(w in UNCOVERED for w in outside):
            return True
        return any(w not in self.everyday for w in outside) and all(w in GENERIC for w in known)

    def _named(self, corrected: list[str]) -> Entry | None:
        """A bare topic name or a brand ("bananas", "advil?", "meds"): the topic it names."""
        content = [w for w in corrected if w not in STOPWORDS and w not in BARE_FILLER]
        if not content or len(content) > 2 or len(corrected) > 4:
            return None
        joined = self.commands.get(stem("".join(content)))  # "heat cramps" is /heatcramps
        if joined is not None:
            return joined
        named = set()
        for word in content:
            entry = next((self.commands[stem(c)] for c in (word, *SYNONYMS.get(word, "").split())
                          if stem(c) in self.commands), None) or self.keyword_owner.get(stem(word))
            if entry is None:
                return None  # "will stretching help a spasm" is a question, not a name
            named.add(entry.id)
        return self.catalogue.entries[named.pop()] if len(named) == 1 else None

    # -- replies -----------------------------------------------------------------------
    def _excerpt(self, entry: Entry, query: list[str], limit: int = SHORT_BODY, keep: int = 3) -> Part:
        """The entry whole, or its first line and the lines most relevant to the question when it is long."""
        if len(entry.body) <= limit:
            return Part(entry)
        lines = entry.body.splitlines()
        wanted = set(query)
        scored = sorted(range(1, len(lines)), key=lambda i: -len(wanted & {stem(w) for w in words(lines[i])}))
        return Part(entry, tuple(sorted({0, *scored[:keep]})))

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


_MENTION = re.compile(r"<@[!&]?\d+>|@\w+")  # Discord: <@id>, <@!id>; Telegram: @name


def strip_mentions(text: str) -> str:
    return _MENTION.sub(" ", text).strip()


def _off_topic(corrected: list[str], folded: str, on_topic: bool) -> bool:
    """Words that put a message outside the article, whatever else it shares with a topic."""
    present = set(corrected)
    return (bool(present & OFF_TOPIC or _ILLNESS_COLD.search(folded)) and not on_topic) \
        or bool(present & HARD_OFF_TOPIC) or (bool(present & ELSEWHERE_WORDS) and not present & BACK_PLACES) \
        or bool(_REQUEST.search(folded))


def _general_complaint(words: list[str]) -> bool:
    present = set(words)
    return bool(present & BACK_WORDS or {"backache", "backaches"} & present) and bool(present & COMPLAINT_WORDS) \
        and present <= BACK_WORDS | COMPLAINT_WORDS | COMPLAINT_CONTEXT


_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")
_QUESTION_START = (r"(?:what|whats|how|hows|when|why|where|which|who|is|isnt|are|arent|can|could|should|shall|would"
                   r"|will|do|does|did|any|anything|whats)")
_JOINED = re.compile(r"\s*(?:,\s*)?\b(?:and|also|plus|but|or)\s+(?:also\s+)?(?=" + _QUESTION_START + r"\b)"
                     r"|,\s*(?=also\b|" + _QUESTION_START + r"\b)"
                     # "…on my own, and for nerve pain is cold or heat better?": a question a few words on
                     r"|,\s*and\s+(?=(?:\w+\s+){1,4}" + _QUESTION_START + r"\b[^,]*\?)")
_IT = re.compile(r"\b(?:it|them|one|ones|they|those|these)\b")
_POINTING = re.compile(r"\b(?:it|that|this|they|them|those|these)\b")
_ASKING = re.compile(r"\?|^\s*" + _QUESTION_START + r"\b|\b(?:tell me|help|advice|tips?|recommend)\b")


def question_clauses(message: str) -> list[str]:
    """The questions a message asks, in order: its sentences, with "…, and how long…" split
    off. In a long message only the sentences that ask something count (the rest is the story);
    if none does, the whole message is one question."""
    sentences = [s.strip() for s in _SENTENCE_END.split(message) if s and s.strip()]
    clauses = [c.strip() for s in sentences for c in _JOINED.split(s) if c and c.strip()]
    if 1 < len(clauses) and len(message) < LONG_MESSAGE:
        return clauses
    if len(message) >= LONG_MESSAGE:
        asking = []
        for index, clause in enumerate(clauses):
            if not _ASKING.search(fold(clause)):
                continue
            # "Is that a good idea?" needs the sentence before it to say what "that" is.
            if index and (len(clause.split()) < 6 or _POINTING.search(fold(clause))):
                clause = f"{clauses[index - 1]} {clause}"
            asking.append(clause)
        return asking or [message]
    return clauses or [message]
