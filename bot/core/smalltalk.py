"""Small talk and navigation in words: "hi", "thanks!", "help", "who are you", "topics".

A message is small talk only when *all* of it is: "hi, my back hurts" is a question and goes
to the answer engine. Each reply is short and leads somewhere (topics, reminders, /help).
"""

from __future__ import annotations

import re

from bot.core.chat import MENU, TIP_AGAIN
from bot.core.replies import Button, Reply
from bot.core.textnorm import fold

_FILLER = r"(?:\s+(?:there|again|guys|all|everyone|unknot|bot|so much|a lot|lots|very much|mate|buddy|friend))*"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("greeting", r"(?:hi+|hey+|hello+|helo|hiya|howdy|yo|heya|greetings|good (?:morning|afternoon|evening|day)"
                 r"|morning|hi+ there|hey there)" + _FILLER),
    ("how_are_you", r"(?:hi+ |hey |hello )?(?:how are you|how r u|how are u|hows it going|how is it going"
                    r"|how are you doing|whats up|sup|wassup)(?: today)?"),
    ("thanks", r"(?:ok(?:ay)? |oh |great |cool |perfect |nice )?(?:thanks?|thank you|thx|ty|tysm|cheers|ta"
               r"|much appreciated|appreciate it|thats helpful|that helps|that helped|helpful)" + _FILLER),
    ("bye", r"(?:ok(?:ay)? )?(?:bye+|goodbye|good bye|see you|see ya|cya|good night|goodnight|later|ttyl)"
            + _FILLER),
    ("ok", r"(?:ok+|okay|k|alright|all right|got it|i see|cool|great|nice|good|perfect|sure|yes|yep|yeah|no|nope"
           r"|fine|understood|makes sense)"),
    ("who", r"(?:who are you|who r u|what are you|what is this|whats this|what is unknot|who made you"
            r"|who built you|are you (?:a )?(?:bot|robot|human|real|ai|doctor|a real person|a person)"
            r"|is this (?:a )?(?:bot|robot|human|real person|ai)|where do your (?:facts|answers|tips) come from"
            r"|where does your (?:information|info|advice) come from|what is your source|whats your source"
            r"|(?:is this|are you giving|are you|is it) (?:real )?medical advice|can i trust you)"),
    ("help", r"(?:help|help me|help please|please help|can you help(?: me)?|what can you do|what do you do"
             r"|what can i ask(?: you)?|what can you help (?:me )?with|how does this work|how do i use (?:this|you)"
             r"|commands|menu|options|what are the commands|show me the commands|what do i do now)"),
    ("topics", r"(?:topics|topic list|list of topics|show (?:me )?(?:the |all )?topics|all topics|browse"
               r"|what topics(?: do you have| are there)?|what do you know(?: about)?|what can you tell me about)"),
    ("start", r"(?:start|begin|get started|lets start|lets begin)"),
)
_COMPILED = tuple((kind, re.compile(rf"^(?:{pattern})$")) for kind, pattern in _PATTERNS)
_SPACE = re.compile(r"[^a-z0-9]+")


def kind_of(message: str) -> str | None:
    """The kind of small talk the whole message is, or None."""
    text = _SPACE.sub(" ", fold(message)).strip()
    if not text or len(text) > 80:
        return None
    text = re.sub(r"^(?:please|pls|plz|so|um+|uh+|well) |(?: please| pls| plz| lol| haha| :\)| then)$", "", text)
    for kind, pattern in _COMPILED:
        if pattern.match(text):
            return kind
    return None


NAVIGATE = ((Button("All topics", MENU), Button("A back-care tip", TIP_AGAIN)),)


def reply(kind: str) -> Reply:
    texts = {
        "greeting": "Hi! I'm Unknot. Ask me anything about back spasms and back pain, for example "
                    "\"ice or heat?\" or \"what can I eat for cramps?\". I can also remind you to take posture "
                    "breaks, drink water and stretch: /remind.",
        "how_are_you": "I'm a bot, so always fine, thanks! How is your back? Ask me anything about back spasms "
                       "and pain, or browse the topics.",
        "thanks": "You're welcome! Ask again any time, or set up gentle reminders with /remind.",
        "bye": "Take care of your back! I'm here whenever you need me.",
        "ok": "Anything else? Ask me about back spasms and pain, browse the topics, or send /help.",
        "who": "I'm Unknot, a bot that helps with back spasms and back pain. Every health fact I give comes "
               "from one article on upper and lower back spasms (/about has the source and the disclaimer: "
               "it is general information, not medical advice). I can also send reminders: /remind.",
        "help": "Ask me a question in your own words, like \"how long do back spasms last?\". "
                "Or browse the topics, get a tip, or set reminders with /remind. /help lists every command.",
        "topics": "Here are the subjects I can tell you about.",
        "start": "Let's start: ask me a question about your back, browse the topics, or set reminders with "
                 "/remind. /help lists every command.",
    }
    return Reply(text=texts[kind], buttons=NAVIGATE)
