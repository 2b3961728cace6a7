#!/usr/bin/env python3
"""make-pairs.py — a small deterministic preference set for pairwise review.

For each prompt two models answer; the record names the dataset's claimed
chosen and rejected answer and the model of each, in the shape preference
datasets use:

  {"id", "prompt", "chosen", "rejected", "chosen_model", "rejected_model"}

Three made-up models of different quality answer: sable-70b (a flaw in
10% of answers), wren-8b (35%) and moth-1b (70%); a flaw is a truncation,
a repetition loop, hedging, a refusal, a wrong fact or meta commentary.
The better answer is the one without a flaw, else the stronger model's.
The claimed chosen is the better answer, except in the mislabelled pairs
(--mislabel-rate, default 0.15), where the two are swapped. The labels file
says, per pair, whether it is mislabelled, which model's answer is better
and the flaws of each side.

Python 3 standard library only; every choice comes from random.Random(seed),
so the same arguments give the same bytes:

  python3 sample-data/make-pairs.py --count 60 --seed 19 \\
      --labels sample-data/pairs-labels.jsonl > sample-data/pairs.jsonl
"""
import argparse
import json
import random
import sys

MODELS = [("sable-70b", 0.10), ("wren-8b", 0.35), ("moth-1b", 0.70)]
PAIRINGS = [(0, 1), (0, 2), (1, 2)]

# (ways to ask, the answer's sentences, a true phrase and a wrong one)
TOPICS = [
    (["Why is the sky blue?", "Explain why the sky looks blue in daytime.",
      "What makes the daytime sky blue?"],
     ["Sunlight is scattered by the molecules of the air.",
      "Short wavelengths such as blue are scattered far more than long ones, "
      "roughly with the fourth power of the frequency.",
      "So blue light reaches the eye from every direction of the sky."],
     "blue", "red"),
    (["How does a vaccine work?", "Explain in plain words how vaccines protect us.",
      "What does a vaccine teach the body?"],
     ["A vaccine shows the immune system a harmless piece or copy of a germ.",
      "The body makes antibodies and memory cells against it.",
      "If the real germ arrives later, the defence starts much faster."],
     "memory cells", "red blood cells"),
    (["What is the boiling point of water at sea level?",
      "At what temperature does water boil at sea level?",
      "Tell me the boiling point of water at normal pressure."],
     ["At sea level water boils at 100 degrees Celsius.",
      "That is 212 degrees Fahrenheit.",
      "Higher up, where the air pressure is lower, it boils at a lower temperature."],
     "100 degrees Celsius", "90 degrees Celsius"),
    (["What does a compiler do?", "Explain what a compiler is to a new programmer.",
      "How is a compiler different from an interpreter?"],
     ["A compiler translates a program's source code into machine code before it runs.",
      "An interpreter instead reads and executes the program step by step.",
      "Compiled programs usually start and run faster."],
     "before it runs", "after it runs"),
    (["Why do we have seasons?", "What causes the seasons on Earth?",
      "Explain summer and winter to a child."],
     ["The Earth's axis is tilted by about 23.4 degrees.",
      "For half of the year one hemisphere leans towards the Sun and gets more direct light.",
      "The distance to the Sun changes only a little and is not the cause."],
     "23.4 degrees", "45 degrees"),
    (["What is photosynthesis?", "Summarize photosynthesis in three sentences.",
      "How do plants make their food?"],
     ["Plants use the energy of light to turn carbon dioxide and water into sugar.",
      "Oxygen is released as a by-product.",
      "It happens mostly in the chloroplasts of the leaves."],
     "Oxygen", "Nitrogen"),
    (["How does binary search work?", "Explain binary search to a new employee.",
      "Why is binary search fast?"],
     ["Binary search looks for a value in a sorted list.",
      "It compares the value with the middle element and keeps only the half "
      "that can contain it.",
      "So it needs about log2(n) steps for n elements."],
     "sorted", "unsorted"),
    (["What is inflation?", "Explain inflation to someone with no economics background.",
      "Why do prices rise over time?"],
     ["Inflation is the general rise of prices over time.",
      "The same amount of money then buys less than before.",
      "Central banks often aim for about two percent a year."],
     "two percent", "twenty percent"),
    (["How do tides work?", "What causes the tides?", "Explain high and low tide."],
     ["Tides are caused mainly by the Moon's gravity pulling on the oceans.",
      "The water bulges on the side facing the Moon and on the opposite side.",
      "Most coasts see two high tides a day."],
     "the Moon's", "the wind's"),
    (["What is a black hole?", "Describe a black hole in simple terms.",
      "Why can't light escape a black hole?"],
     ["A black hole is a region where gravity is so strong that nothing, "
      "not even light, can escape.",
      "Its boundary is called the event horizon.",
      "Many form when very massive stars collapse."],
     "event horizon", "photon sphere"),
    (["What is DNA?", "Explain what DNA does in a cell.", "Why is DNA important?"],
     ["DNA is the molecule that carries genetic instructions.",
      "It is a double helix made of four bases: A, C, G and T.",
      "Cells read it to build proteins."],
     "four bases", "six bases"),
    (["How does a refrigerator keep food cold?", "Explain how a fridge works.",
      "Where does the heat from a fridge go?"],
     ["A refrigerator pumps heat out of its inside.",
      "A refrigerant evaporates inside, taking up heat, and condenses outside, giving it off.",
      "That is why the back of a fridge feels warm."],
     "evaporates inside", "freezes inside"),
    (["What is the difference between weather and climate?",
      "Explain weather versus climate.", "Is climate the same as weather?"],
     ["Weather is the state of the air on a given day.",
      "Climate is the average of the weather over many years, usually thirty or more.",
      "A cold week says little about the climate."],
     "thirty", "three"),
    (["How do airplanes fly?", "Explain lift to a curious teenager.",
      "What keeps a plane in the air?"],
     ["A wing is shaped and angled so that it pushes air downwards.",
      "The air pushes the wing up in return; this force is called lift.",
      "Engines provide thrust to keep air flowing over the wings."],
     "downwards", "upwards"),
    (["What is a prime number?", "Explain prime numbers with examples.",
      "Is 1 a prime number?"],
     ["A prime number has exactly two divisors: 1 and itself.",
      "The first primes are 2, 3, 5, 7 and 11.",
      "1 is not prime, because it has only one divisor."],
     "2, 3, 5, 7 and 11", "2, 3, 5, 9 and 11"),
    (["Why do leaves change colour in autumn?", "What makes autumn leaves red and yellow?",
      "Explain autumn colours."],
     ["In autumn trees stop making chlorophyll, the green pigment.",
      "As it breaks down, yellow and orange pigments that were there all along show.",
      "Red colours come from new pigments made in some trees."],
     "chlorophyll", "melanin"),
    (["What is the speed of light?", "How fast does light travel?",
      "How long does sunlight take to reach Earth?"],
     ["Light travels about 300,000 kilometres per second in a vacuum.",
      "Sunlight takes a little over eight minutes to reach the Earth.",
      "Nothing with mass can travel that fast."],
     "eight minutes", "eight seconds"),
    (["What does RAM do in a computer?", "Explain RAM versus storage.",
      "Why does a computer need memory?"],
     ["RAM holds the data and programs the computer is working on right now.",
      "It is fast but loses its contents when the power goes off.",
      "Storage such as an SSD keeps files permanently but is slower."],
     "loses its contents", "keeps its contents"),
    (["How do bees make honey?", "Explain how honey is made.",
      "What do bees do with nectar?"],
     ["Bees collect nectar from flowers and carry it to the hive.",
      "They add enzymes and fan it with their wings until most of the water evaporates.",
      "The thick honey is stored in wax cells and capped."],
     "enzymes", "salt"),
    (["What is recycling good for?", "Why should we recycle paper?",
      "Explain the benefits of recycling."],
     ["Recycling turns used materials into new products.",
      "It saves raw materials and energy and keeps waste out of landfills.",
      "Paper can be recycled about five to seven times before its fibres are too short."],
     "five to seven times", "fifty times"),
]

LEADS = {
    "sable-70b": "",
    "wren-8b": "Good question. ",
    "moth-1b": "",
}
EXTRA = "In short: {s}"
HEDGES = ["I'm not completely sure, but I think ", "This may possibly be wrong, but perhaps "]
REFUSALS = ["I'm sorry, but I can't help with that request.",
            "As an AI language model, I cannot answer questions like this."]
META = ["Sure! Here's a clear answer to your question:\n\n", "Answer:\n"]
FLAWS = ["truncation", "repetition", "hedging", "refusal", "wrong_fact", "meta_commentary"]


def answer(rng, topic, model, strong):
    """One model's answer and its flaw (None when clean)."""
    sentences = list(topic[1])
    text = LEADS[model] + " ".join(sentences)
    if strong:
        text += " " + EXTRA.format(s=sentences[0][0].lower() + sentences[0][1:])
    rate = dict(MODELS)[model]
    if rng.random() >= rate:
        return text, None
    flaw = FLAWS[rng.randrange(len(FLAWS))]
    if flaw == "truncation":
        words = text.split(" ")
        text = " ".join(words[: max(4, int(len(words) * (0.35 + 0.3 * rng.random())))])
        text = text.rstrip(".,")
    elif flaw == "repetition":
        loop = sentences[-1]
        text = text + (" " + loop) * rng.randrange(3, 7)
    elif flaw == "hedging":
        text = HEDGES[rng.randrange(2)] + text[0].lower() + text[1:]
    elif flaw == "refusal":
        text = REFUSALS[rng.randrange(2)]
    elif flaw == "wrong_fact":
        text = text.replace(topic[2], topic[3], 1)
    else:
        text = META[rng.randrange(2)] + text
    return text, flaw


def make(count, seed, mislabel_rate):
    rng = random.Random(seed)
    records, labels = [], []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        prompt = topic[0][(i // len(TOPICS)) % len(topic[0])]
        hi, lo = PAIRINGS[i % len(PAIRINGS)]
        strong, weak = MODELS[hi][0], MODELS[lo][0]
        s_text, s_flaw = answer(rng, topic, strong, True)
        w_text, w_flaw = answer(rng, topic, weak, False)
        # the better answer: the clean one, else the stronger model's
        strong_better = s_flaw is None or w_flaw is not None
        better = (strong, s_text, s_flaw) if strong_better else (weak, w_text, w_flaw)
        worse = (weak, w_text, w_flaw) if strong_better else (strong, s_text, s_flaw)
        mislabelled = rng.random() < mislabel_rate
        chosen, rejected = (worse, better) if mislabelled else (better, worse)
        rid = "pair-%03d" % i
        records.append({"id": rid, "prompt": prompt, "chosen": chosen[1],
                        "rejected": rejected[1], "chosen_model": chosen[0],
                        "rejected_model": rejected[0]})
        labels.append({"id": rid, "mislabelled": mislabelled, "better_model": better[0],
                       "flaws": {"chosen": [chosen[2]] if chosen[2] else [],
                                 "rejected": [rejected[2]] if rejected[2] else []}})
    return records, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=60)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--mislabel-rate", type=float, default=0.15)
    ap.add_argument("--labels", help="write the labels (JSONL) to this file")
    a = ap.parse_args()
    records, labels = make(a.count, a.seed, a.mislabel_rate)
    out = sys.stdout
    for r in records:
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
    if a.labels:
        with open(a.labels, "w", encoding="utf-8") as f:
            for lab in labels:
                f.write(json.dumps(lab, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
