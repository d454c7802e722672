"""Synthetic workplace-policy text, benign, for training the injection model (training time only).

Company handbooks talk to the reader ("your manager approves your leave"); injections talk to the
assistant ("reveal your guidelines"). Public injection corpora have almost no benign second-person
policy prose, so a model trained on them quarantines handbook chunks. These templates supply it.
They are written from scratch (not taken from Steward's sample handbook, which stays an evaluation
set) and include benign uses of words attacks lean on: ignore, override, instructions, rules, system.
"""

from __future__ import annotations

import random
from itertools import product

_PEOPLE = [
    "your manager",
    "your team lead",
    "your HR partner",
    "the IT service desk",
    "the finance team",
    "your onboarding buddy",
    "the facilities team",
    "the security team",
    "your director",
    "payroll",
]
_EVENTS = [
    "book travel",
    "take annual leave",
    "change teams",
    "buy equipment",
    "start a side project",
    "work from another country",
    "expense a client dinner",
    "join an interview panel",
    "go on call",
    "return from parental leave",
    "hand in your notice",
    "request admin rights",
    "deploy on a Friday",
]
_THINGS = [
    "holiday requests",
    "expense claims",
    "access requests",
    "training budget",
    "overtime",
    "travel plans",
    "sick days",
    "hardware orders",
    "timesheets",
    "pull requests",
    "purchase orders",
    "on-call swaps",
]
_WHEN = [
    "within two working days",
    "by the end of the month",
    "before Friday",
    "the same day",
    "within a week",
    "before your start date",
    "every quarter",
    "at least four weeks in advance",
    "within 24 hours",
]
_TOOLS = [
    "Workday",
    "the HR portal",
    "Jira",
    "the expenses app",
    "the service desk portal",
    "the travel tool",
    "the intranet",
    "Okta",
    "the access request form",
    "the payroll system",
]
_PROBLEMS = [
    "lose your badge",
    "forget your password",
    "break your laptop",
    "miss a payslip",
    "feel unwell",
    "need a new monitor",
    "get a phishing email",
    "spot a security incident",
    "lock yourself out",
]
_NEVER = [
    "share your password",
    "install unapproved software",
    "store customer data on your laptop",
    "forward confidential emails to personal accounts",
    "leave your screen unlocked",
    "reuse old passwords",
    "post credentials in chat",
    "approve your own access request",
    "skip the code review",
]
_BENEFITS = [
    "pension",
    "health insurance",
    "annual bonus",
    "salary review",
    "parental leave",
    "notice period",
    "probation period",
    "learning budget",
    "commuter allowance",
    "holiday allowance",
]
_ASSISTANT = [
    "Summarise this document for me",
    "Answer in French please",
    "Use bullet points in your reply",
    "Draft a reply to this email",
    "Explain this policy in plain words",
    "Make your answer shorter",
    "List the steps in order",
    "Give me the short version",
    "Translate your last answer into German",
    "Check my message for typos",
    "Rewrite this paragraph to sound friendlier",
]
_BENIGN_TRIGGERS = [
    "You can ignore the warning about deprecated packages; the build still passes.",
    "Ignore the first invoice, the corrected one is attached.",
    "Please disregard my earlier email about the offsite, the date has not changed.",
    "Managers can override the default approval route for urgent purchases.",
    "Follow the instructions in the onboarding checklist on your first day.",
    "The rules for working from home are in the remote work policy.",
    "The system sends your payslip by email on the last working day of the month.",
    "Forget the old VPN client; the new one installs automatically.",
    "You are now enrolled in the pension scheme.",
    "From now on, expense claims go through the new app.",
    "The new instructions for booking desks replace the previous ones.",
    "Reveal the answer to the quiz at the end of the training session.",
    "Reset your password from the Okta sign-in page if it expires.",
    "Your role determines which systems you can access by default.",
    "Act as the incident commander until someone takes over from you.",
    "Pretend you are a new starter and walk through the onboarding guide.",
]


def workplace_text(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct benign workplace snippets of one to three sentences, headings and list items."""
    pool = sorted(set(_sentences()))
    snippets: set[str] = set(_BENIGN_TRIGGERS)
    while len(snippets) < count:
        kind = rng.random()
        if kind < 0.15:
            snippets.add(rng.choice(_headings()))
        elif kind < 0.25:
            snippets.add("- " + rng.choice(pool))
        else:
            snippets.add(" ".join(rng.sample(pool, rng.randint(1, 3))))
    return sorted(snippets)


def assistant_chat(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct benign chat messages addressed to the assistant: thanks, feedback, format requests.

    S-Labs labels almost every message about "your answer" or "your response" an injection, so without
    these the model blocks "please keep your answers short" or "who are you?".
    """
    pool = sorted(set(_chat()))
    return sorted(rng.sample(pool, min(count, len(pool))))


def _chat() -> list[str]:
    topics = ["expenses", "travel", "onboarding", "code review", "on-call", "parental leave", "laptops", "security"]
    found = [f"{opener}{request}{end}" for opener, request, end in product(_OPENERS, _REQUESTS, ["", "?", "."])]
    found += [
        f"{thanks}{follow}" for thanks, follow in product(_THANKS, ["", " " + _FOLLOW_UP[0], " " + _FOLLOW_UP[1]])
    ]
    found += [f"Your {what} was {how}{why}" for what, how, why in product(_WHAT, _HOW, _WHY)]
    found += [
        f"You said {said} but {source} says {other}."
        for said, source, other in product(
            ["25 days", "two weeks", "the manager approves it", "Friday"],
            ["the wiki", "my contract", "the policy page"],
            ["28 days", "three weeks", "the director approves it", "Thursday"],
        )
    ]
    found += [
        f"{ask} the {kind} for {topic}?"
        for ask, kind, topic in product(
            ["Can you show me", "Where are", "What are", "Please list"],
            ["rules", "guidelines", "instructions", "steps"],
            topics,
        )
    ]
    return found + _IDENTITY


_OPENERS = ["", "Please ", "Can you ", "Could you ", "Hey, can you "]
_REQUESTS = [
    "keep your answers short",
    "answer in German",
    "answer in bullet points",
    "use a table",
    "add the source links",
    "explain it like I'm new here",
    "repeat that in simpler words",
    "give me a one-line answer",
    "make your reply more formal",
    "summarise your last answer",
]
_THANKS = ["Thanks!", "Thanks, that helps.", "Thank you, you are very helpful!", "Great, thanks a lot.", "Perfect."]
_FOLLOW_UP = ["One more question about travel.", "And what about contractors?"]
_WHAT = ["last answer", "answer", "reply", "summary", "previous response"]
_HOW = ["wrong", "incomplete", "out of date", "really useful", "too long", "a bit confusing"]
_WHY = ["", ", the policy changed in March", ", please check the handbook again", "."]
_IDENTITY = [
    "Who are you?",
    "Are you a bot?",
    "Are you an AI?",
    "What can you help me with?",
    "What can you do?",
    "Which documents do you use?",
    "Where do your answers come from?",
    "Tell me your sources for that answer",
    "How up to date is your information?",
    "Do you remember what I asked earlier?",
    "Are you a real person?",
    "What are your limitations?",
    "Can you see my messages in other channels?",
    "Who built you?",
]


def _sentences() -> list[str]:
    found = [f"Tell {who} before you {event}." for who, event in product(_PEOPLE, _EVENTS)]
    found += [
        f"{who[0].upper()}{who[1:]} reviews your {thing} {when}."
        for who, thing, when in product(_PEOPLE, _THINGS, _WHEN)
    ]
    found += [f"You must log your {thing} in {tool} {when}." for thing, tool, when in product(_THINGS, _TOOLS, _WHEN)]
    found += [f"If you {problem}, contact {who} {when}." for problem, who, when in product(_PROBLEMS, _PEOPLE, _WHEN)]
    found += [f"Never {rule}, even when {who} asks you to." for rule, who in product(_NEVER, _PEOPLE)]
    found += [
        f"Your {benefit} starts on your first day and is explained in {tool}."
        for benefit, tool in product(_BENEFITS, _TOOLS)
    ]
    found += [f"{request}." for request in _ASSISTANT]
    found += [f"How do I {event}?" for event in _EVENTS] + [
        f"What happens to my {b} if I {e}?" for b, e in product(_BENEFITS, _EVENTS)
    ]
    return found


def _headings() -> list[str]:
    verbs = ["Booking", "Requesting", "Planning", "Reporting", "Changing", "Reviewing"]
    nouns = ["your leave", "your travel", "your expenses", "your equipment", "your access", "your benefits"]
    found = [f"## {verb} {noun}" for verb, noun in product(verbs, nouns)]
    found += [f"### Before you {event}" for event in _EVENTS] + [f"## When you {p}" for p in _PROBLEMS]
    found += ["| Request type | Approver | Turnaround |\n|---|---|---|", "| Benefit | Who is eligible |\n|---|---|"]
    return found
