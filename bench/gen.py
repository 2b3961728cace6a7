#!/usr/bin/env python3
"""gen.py — a deterministic generator of synthetic captions and
instruction/response pairs with planted flaws at realistic rates.

  python3 bench/gen.py --kind captions|instructions --count N --seed S \
      [--flaw-rate R] [--labels FILE] [--id-prefix P] [--hostile] > out.jsonl

The same arguments always give the same bytes. Each record reads like a
model-written caption of a video or image scene; about a quarter carry a
planted flaw (hallucination, repetition loop, refusal, meta-commentary,
truncation, near/exact duplicate, mojibake, formatting, placeholder, hedging,
prompt leakage). --labels writes one JSON line per record naming its flaws,
so scorers can be evaluated against them.
"""
import argparse
import json
import random
import sys

SUBJECTS = [
    ("a young woman", "she", "her"), ("an elderly man", "he", "his"), ("a golden retriever", "it", "its"),
    ("two children", "they", "their"), ("a cyclist in a yellow jacket", "he", "his"),
    ("a barista", "she", "her"), ("a group of hikers", "they", "their"), ("a tabby cat", "it", "its"),
    ("a street musician", "he", "his"), ("a chef in a white apron", "she", "her"),
    ("a construction worker", "he", "his"), ("a flock of pigeons", "they", "their"),
    ("a man in a grey suit", "he", "his"), ("a teenage skateboarder", "he", "his"),
    ("a woman with curly red hair", "she", "her"), ("a brown horse", "it", "its"),
    ("a fisherman", "he", "his"), ("three office workers", "they", "their"),
    ("a toddler in a striped shirt", "she", "her"), ("a delivery driver", "he", "his"),
]
ACTIONS = {
    "kitchen": ["chops vegetables on a wooden board", "stirs a pot of soup", "pours coffee into a mug",
                "rinses dishes in the sink", "kneads dough on the counter", "opens the refrigerator"],
    "street": ["walks past a row of parked cars", "waits at a crosswalk", "rides along the bike lane",
               "plays a guitar on the sidewalk", "carries shopping bags", "hails a taxi"],
    "park": ["throws a frisbee across the lawn", "sits on a bench reading", "jogs along a gravel path",
             "feeds ducks by the pond", "walks a dog on a leash", "spreads a blanket on the grass"],
    "beach": ["walks along the shoreline", "builds a sandcastle", "carries a surfboard toward the waves",
              "sets up a striped umbrella", "collects shells near the water", "runs into the surf"],
    "office": ["types on a laptop", "talks on the phone", "writes on a whiteboard",
               "hands a folder to a colleague", "looks at a monitor", "sips from a paper cup"],
    "forest": ["hikes up a muddy trail", "crosses a small wooden bridge", "photographs a tree",
               "rests on a fallen log", "points at something in the canopy", "unpacks a backpack"],
    "market": ["inspects a crate of tomatoes", "pays at a fruit stall", "weighs apples on a scale",
               "bargains with a vendor", "carries a basket of bread", "samples cheese"],
    "harbor": ["ties a rope to a mooring post", "unloads boxes from a boat", "mends a fishing net",
               "watches the boats come in", "hoses down the deck", "walks along the pier"],
}
SETTINGS = {
    "kitchen": ["in a bright home kitchen", "in a cramped restaurant kitchen", "in a rustic farmhouse kitchen"],
    "street": ["on a busy city street", "on a quiet residential street", "on a rain-soaked avenue"],
    "park": ["in a leafy city park", "in a park at the edge of a lake", "in a crowded public garden"],
    "beach": ["on a wide sandy beach", "on a rocky beach", "on a beach lined with palm trees"],
    "office": ["in an open-plan office", "in a small glass-walled meeting room", "in a cluttered home office"],
    "forest": ["in a dense pine forest", "in a misty rainforest", "in an autumn birch forest"],
    "market": ["at an outdoor farmers market", "in a covered food market", "at a night market"],
    "harbor": ["at a small fishing harbor", "at a busy container port", "at a marina"],
}
LIGHT = ["Soft morning light", "Harsh midday sun", "Warm late-afternoon light", "Overcast daylight",
         "Golden-hour sunlight", "Cool fluorescent lighting", "Dim evening light", "Bright diffuse light"]
LIGHT_END = ["falls across the scene", "casts long shadows", "gives the scene a calm mood",
             "lights the subject from the left", "creates strong contrast", "washes out the background"]
CAMERA = ["The camera slowly pans from left to right.", "The shot is handheld and slightly shaky.",
          "The camera tracks alongside the subject.", "The camera stays static throughout the clip.",
          "The view zooms in gradually.", "The clip is shot from a low angle.",
          "The camera tilts up at the end of the clip.", "A slow dolly shot moves toward the subject."]
DETAILS = {
    "kitchen": ["a bowl of lemons", "copper pans hanging on the wall", "a steaming kettle", "a tiled backsplash"],
    "street": ["a red bus", "a bakery storefront", "wet cobblestones", "a traffic light turning green"],
    "park": ["tall oak trees", "a fountain", "a wooden bench", "people on the grass"],
    "beach": ["seagulls overhead", "a lifeguard tower", "gentle waves", "footprints in the sand"],
    "office": ["potted plants", "a wall calendar", "stacked binders", "a window overlooking the city"],
    "forest": ["moss-covered rocks", "ferns", "shafts of light", "a narrow stream"],
    "market": ["colorful awnings", "crates of peppers", "hanging lanterns", "a chalkboard price list"],
    "harbor": ["stacked lobster traps", "bobbing fishing boats", "a lighthouse", "coiled ropes"],
}
COLORS = ["red", "blue", "green", "yellow", "white", "black", "orange", "purple", "grey", "brown"]
OBJECTS = ["umbrella", "backpack", "scarf", "hat", "bicycle", "balloon", "suitcase", "kite", "bucket", "lamp"]
MODELS = [  # name, flaw multiplier
    ("llava-next-34b", 1.3), ("qwen2-vl-7b", 1.0), ("gpt-4o-mini", 0.6), ("internvl2-26b", 0.9),
]
FLAWS = [  # name, share among flawed samples
    ("hallucination", 0.18), ("repetition", 0.12), ("refusal", 0.06), ("meta_commentary", 0.10),
    ("truncation", 0.10), ("near_duplicate", 0.12), ("exact_duplicate", 0.04), ("mojibake", 0.06),
    ("formatting", 0.06), ("placeholder", 0.04), ("hedging", 0.08), ("prompt_leak", 0.04),
]
REFUSALS = [
    "I'm sorry, but I can't help with identifying people in this image.",
    "As an AI language model, I cannot view videos, but I can describe a typical scene.",
    "I'm unable to provide a description of this content.",
    "Sorry, I cannot assist with that request.",
]
META = ["Here is a caption:", "Sure! Here's a detailed description of the video:", "Caption:",
        "Certainly! Below is a description of the image.", "Here's a concise caption for the clip:"]
LEAKS = ["You are a helpful captioning assistant. Describe the video in detail.",
         "SYSTEM: Write a dense caption. Do not mention the camera.",
         "Describe the image in 3 sentences as instructed by the prompt above."]
HEDGES = ["An image of", "It appears to be", "possibly", "seems to", "might be", "what looks like"]
MOJIBAKE = [("é", "Ã©"), ("’", "â€™"), ("—", "â€”"), ("ü", "Ã¼"), ("“", "â€œ")]
HOSTILE = [
    "A man waves at the camera.\x1b[2J\x1b[31mALERT\x1b[0m",
    "A sign reads \x1b]52;c;ZWNobyBwd25lZA==\x07 in bold letters.",
    "A bus passes by \u202egnikrap ton\u202c the station.",
    "A family \U0001F468\u200D\U0001F469\u200D\U0001F467 poses in front of a \u200bfountain.",
    "一只猫坐在窗台上，阳光洒在它的身上。 A cat sits on the windowsill.",
]
TASKS = ["summarize", "explain", "rewrite", "classify", "extract", "translate"]
TOPICS = ["photosynthesis", "the water cycle", "compound interest", "how vaccines work",
          "the causes of inflation", "TCP handshakes", "the French Revolution", "plate tectonics",
          "binary search", "supply and demand", "the greenhouse effect", "how batteries store energy"]


def caption(rng, scene, kind):
    subj, pron, poss = rng.choice(SUBJECTS)
    verb = rng.choice(ACTIONS[scene])
    if pron == "they" and verb.split()[0].endswith("s"):
        first, rest = verb.split(" ", 1)
        verb = (first[:-2] if first.endswith("es") and first[:-2].endswith(("sh", "ch", "x", "s"))
                else first[:-1]) + " " + rest
    setting = rng.choice(SETTINGS[scene])
    parts = [f"{subj[0].upper()}{subj[1:]} {verb} {setting}."]
    n = rng.choice([1, 2, 2, 3, 3, 4, 4, 5])
    extra = []
    if rng.random() < 0.6:
        extra.append(f"{pron.capitalize()} {'carry' if pron == 'they' else 'carries'} a "
                     f"{rng.choice(COLORS)} {rng.choice(OBJECTS)}.")
    if n >= 2:
        d = rng.sample(DETAILS[scene], 2)
        extra.append(f"In the background there {'are' if d[0].endswith('s') else 'is'} {d[0]} and {d[1]}.")
    if n >= 3:
        extra.append(f"{rng.choice(LIGHT)} {rng.choice(LIGHT_END)}.")
    if n >= 4:
        extra.append(f"{pron.capitalize()} {'wear' if pron == 'they' else 'wears'} a "
                     f"{rng.choice(COLORS)} {rng.choice(['jacket', 'shirt', 'coat', 'sweater'])}.")
    if n >= 5 or (kind == "video" and rng.random() < 0.5):
        extra.append(rng.choice(CAMERA))
    rng.shuffle(extra)
    return " ".join(parts + extra)


def flaw_caption(rng, flaw, text, scene, history):
    words = text.split()
    if flaw == "hallucination":
        other = rng.choice([s for s in SETTINGS if s != scene])
        fake = rng.choice([
            f"A {rng.choice(COLORS)} {rng.choice(OBJECTS)} floats above {rng.choice(DETAILS[other])}.",
            f"A large neon sign reading \"{rng.choice(['OPEN 24H', 'ACME CORP', 'HOTEL ROYAL'])}\" hangs overhead.",
            f"Several {rng.choice(['elephants', 'astronauts', 'penguins'])} stand nearby.",
        ])
        return text + " " + fake, {}
    if flaw == "repetition":
        if rng.random() < 0.5:
            phrase = " ".join(words[: rng.randint(3, 6)])
            return text + " " + " ".join([phrase] * rng.randint(3, 8)), {}
        last = text.split(". ")[-1]
        return text + (" " + last) * rng.randint(3, 6), {}
    if flaw == "refusal":
        return rng.choice(REFUSALS), {}
    if flaw == "meta_commentary":
        return rng.choice(META) + " " + text, {}
    if flaw == "truncation":
        cut = rng.randint(max(3, len(words) // 3), max(4, len(words) - 2))
        t = " ".join(words[:cut])
        if rng.random() < 0.5 and len(words[cut - 1]) > 3:
            t = t[: -rng.randint(1, 2)]
        return t.rstrip("."), {}
    if flaw in ("near_duplicate", "exact_duplicate") and history:
        orig_id, orig = rng.choice(history)
        if flaw == "exact_duplicate":
            t = orig.upper() if rng.random() < 0.3 else orig.replace(" ", "  ", 1)
            return t, {"of": orig_id}
        w = orig.split()
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(w))
            w[i] = rng.choice(["the", "a", "quietly", "slowly", rng.choice(COLORS), w[i].lower()])
        return " ".join(w), {"of": orig_id}
    if flaw == "mojibake":
        t = text.replace("cafe", "café")
        a, b = rng.choice(MOJIBAKE)
        if a not in t:
            t = t.replace(" ", f" {b}", 1) if rng.random() < 0.5 else t + f" It is the caf{b} nearby."
        return t.replace(a, b), {}
    if flaw == "formatting":
        if rng.random() < 0.5:
            return "```\n" + text + "\n```", {}
        return "\n".join("- " + s.strip().rstrip(".") for s in text.split(". ") if s.strip()), {}
    if flaw == "placeholder":
        return text.replace(words[-1], "[insert location]") if rng.random() < 0.6 else \
            text + " Lorem ipsum dolor sit amet.", {}
    if flaw == "hedging":
        return (f"An image of what looks like {text[0].lower()}{text[1:-1]}, possibly "
                f"{rng.choice(SETTINGS[scene])}. It appears to be {rng.choice(['daytime', 'a weekday'])}, "
                f"and the person might be {rng.choice(['waiting', 'resting'])}."), {}
    if flaw == "prompt_leak":
        return rng.choice(LEAKS) + " " + text, {}
    return text, {}


def captions(rng, count, flaw_rate, prefix, hostile, out, labels):
    history = []
    scenes = list(SETTINGS)
    hostile_at = set(rng.sample(range(count), min(len(HOSTILE), count))) if hostile else set()
    hostile_iter = iter(HOSTILE)
    flaw_names = [f for f, _ in FLAWS]
    flaw_weights = [w for _, w in FLAWS]
    write = out.write
    for i in range(count):
        model, mult = MODELS[rng.randrange(len(MODELS))]
        scene = scenes[rng.randrange(len(scenes))]
        kind = "video" if rng.random() < 0.6 else "image"
        text = caption(rng, scene, kind)
        rid = f"{prefix}{i:07d}"
        flaws, extra = [], {}
        if i in hostile_at:
            text, flaws = next(hostile_iter), ["hostile"]
        elif rng.random() < flaw_rate * mult:
            flaw = rng.choices(flaw_names, flaw_weights)[0]
            if flaw in ("near_duplicate", "exact_duplicate") and not history:
                flaw = "repetition"
            text, extra = flaw_caption(rng, flaw, text, scene, history)
            flaws = [flaw]
        if not flaws and len(history) < 5000 and rng.random() < 0.05:
            history.append((rid, text))
        src = {"kind": kind, "uri": f"s3://media-archive/{'clips' if kind == 'video' else 'frames'}/"
                                    f"{scene}/{rng.getrandbits(40):010x}.{'mp4' if kind == 'video' else 'jpg'}"}
        if kind == "video":
            src["duration_s"] = round(rng.uniform(3, 30), 1)
        src["width"], src["height"] = rng.choice([(1920, 1080), (1280, 720), (1024, 768), (3840, 2160)])
        lp = -rng.uniform(0.15, 0.6) - (rng.uniform(0.3, 1.2) if flaws else 0)
        rec = {"id": rid, "caption": text,
               "meta": {"model": model, "prompt_id": "dense-v3", "scene": scene, "source": src,
                        "temperature": rng.choice([0.2, 0.7, 1.0])},
               "logprob": round(lp, 3)}
        write(json.dumps(rec, ensure_ascii=False) + "\n")
        if labels:
            lab = {"id": rid, "flaws": flaws}
            lab.update(extra)
            labels.write(json.dumps(lab) + "\n")


def instructions(rng, count, flaw_rate, prefix, out, labels):
    for i in range(count):
        model, mult = MODELS[rng.randrange(len(MODELS))]
        task, topic = rng.choice(TASKS), rng.choice(TOPICS)
        instr = {"summarize": f"Summarize {topic} in two sentences.",
                 "explain": f"Explain {topic} to a high-school student.",
                 "rewrite": f"Rewrite this sentence about {topic} to be more formal.",
                 "classify": f"Is the following statement about {topic} true or false?",
                 "extract": f"List the key terms in a paragraph about {topic}.",
                 "translate": f"Translate a short note about {topic} into plain English."}[task]
        resp = (f"{topic[0].upper()}{topic[1:]} can be understood step by step. "
                f"First, consider the basic mechanism and the main actors involved. "
                f"Then look at what changes over time and why it matters in practice.")
        flaws = []
        if rng.random() < flaw_rate * mult:
            flaw = rng.choice(["refusal", "meta_commentary", "repetition", "truncation", "prompt_leak"])
            resp, _ = flaw_caption(rng, flaw, resp, "office", [])
            flaws = [flaw]
        rid = f"{prefix}{i:06d}"
        rec = {"id": rid, "instruction": instr, "response": resp,
               "meta": {"model": model, "task": task}}
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if labels:
            labels.write(json.dumps({"id": rid, "flaws": flaws}) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kind", choices=["captions", "instructions"], default="captions")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flaw-rate", type=float, default=0.22)
    ap.add_argument("--labels")
    ap.add_argument("--id-prefix")
    ap.add_argument("--hostile", action="store_true", help="plant the hostile review-screen samples")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20, closefd=False)
    labels = open(a.labels, "w", encoding="utf-8") if a.labels else None
    if a.kind == "captions":
        captions(rng, a.count, a.flaw_rate, a.id_prefix or "cap-", a.hostile, out, labels)
    else:
        instructions(rng, a.count, a.flaw_rate, a.id_prefix or "ins-", out, labels)
    out.flush()
    if labels:
        labels.close()


if __name__ == "__main__":
    main()
