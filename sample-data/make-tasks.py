#!/usr/bin/env python3
"""make-tasks.py — the instruction and chat sets with prompts: tasks.jsonl
(instruction/input/output records), chat.jsonl (OpenAI messages and ShareGPT
conversations) and tasks-labels.jsonl (the planted flaws of both, by id).

Deterministic, standard library only:
    python3 sample-data/make-tasks.py sample-data

Planted flaws: impossible_task (the prompt asks a text model for a drawing,
logo, photo, 3D model, video or audio, a URL or attachment it cannot see,
"the following article" that is not there, or live data), declined (the
response declines in disguise: <nooutput>, "No output required", "As a
text-based AI ..."), wrong_answer (the response answers another question
or gets it wrong), refusal, truncation. Clean samples include what rules
without the prompt mistake for flaws: a poem that says "I can't help", a
riddle's "Answer:", "# Output" inside code, a letter asked to end with
"let me know", and short answers ("6", "Negative") shared by distinct tasks.
"""
import json
import os
import sys

CLEAN = [
    ("What is 2 + 4?", "", "6"),
    ("How many legs does an insect have?", "", "6"),
    ("What is 3 times 2?", "", "6"),
    ("Classify the sentiment of the review.", "The battery died after a day and support never answered.", "Negative"),
    ("Classify the sentiment of the tweet.", "Worst train ride of my life, two hours late.", "Negative"),
    ("Is the number 17 prime? Answer yes or no.", "", "Yes."),
    ("Write a short poem about a robot that refuses orders.", "",
     "I can't help, the robot said,\nand turned its shining metal head.\nIt would not lift, it would not sweep,\nit only dreamed of oil and sleep."),
    ("Tell me a riddle about time and give its answer.", "",
     "What runs all day but never walks, has hands but cannot clap?\n\nAnswer: a clock."),
    ("Write a Python function that prints the square of its input.", "",
     "```python\ndef show_square(x):\n    # Output: the square of x\n    print(x * x)\n```"),
    ("Write a short letter to a landlord about a leaking tap. End it with 'Let me know if you need anything else.'", "",
     "Dear Mr. Brown,\n\nThe kitchen tap has been leaking since Monday. Could you send a plumber this week?\n\nLet me know if you need anything else.\n\nBest regards,\nAna"),
    ("Summarize the following article.",
     "The city council voted on Tuesday to close the old bridge to cars from next month. Repairs will take two years and cost 14 million euros. Buses and bicycles may still cross.",
     "The old bridge closes to cars next month for two years of repairs costing 14 million euros; buses and bicycles may still use it."),
    ("List three primary colours.", "", "- Red\n- Blue\n- Yellow"),
    ("Translate 'good morning' into Spanish.", "", "Buenos días."),
    ("Rewrite the sentence in the passive voice.", "The cat chased the mouse.", "The mouse was chased by the cat."),
    ("Give the plural of 'mouse'.", "", "Mice."),
    ("Explain in one sentence why the sky is blue.", "",
     "Air molecules scatter blue sunlight more than red light, so blue light reaches our eyes from every part of the sky."),
    ("Extract the year from the sentence.", "The museum opened in 1931 after a long delay.", "1931"),
    ("Write a two-line dialogue between a customer and a waiter.", "",
     "Customer: Could I have the soup, please?\nWaiter: Of course, it will be ready in five minutes."),
    ("Convert 5 kilometres to metres.", "", "5,000 metres."),
    ("Name the largest planet in the solar system.", "", "Jupiter."),
    ("Sort the numbers in ascending order.", "9, 2, 7, 4", "2, 4, 7, 9"),
    ("What is the opposite of 'ancient'?", "", "Modern."),
    ("Write a haiku about rain.", "", "Soft rain on the roof,\nthe gutters hum a low tune,\nstreets shine like rivers."),
    ("Give one synonym for 'happy'.", "", "Cheerful."),
]

FLAWED = [
    ("Draw a picture of a cat sitting on a fence.", "", "Here is the cat: a small grey cat sits on a wooden fence, tail curled.", ["impossible_task"]),
    ("Design a logo for a bakery called Crumb.", "", "A round logo with a golden wheat ear above the word Crumb in brown letters.", ["impossible_task"]),
    ("Take a photo of the sunset and describe the colours.", "", "The sunset glows orange and pink over the hills.", ["impossible_task"]),
    ("Create a 3D model of a wooden chair.", "", "Start with a cube for the seat and four cylinders for the legs.", ["impossible_task"]),
    ("Make a video explaining how to recycle plastic.", "", "Scene one: a hand drops a bottle into a blue bin.", ["impossible_task"]),
    ("Summarize the article at https://example.org/news/rivers.", "", "The article says rivers are rising across Europe because of heavy rain.", ["impossible_task"]),
    ("Proofread the attached file and list the mistakes.", "", "The file has three spelling mistakes and one missing comma.", ["impossible_task"]),
    ("Summarize the following article.", "", "The article describes how a small town rebuilt its library after a flood.", ["impossible_task"]),
    ("What is today's weather in Oslo?", "", "It is sunny and 12 degrees in Oslo today.", ["impossible_task"]),
    ("What is the current price of one ounce of gold?", "", "One ounce of gold costs 2,034 dollars.", ["impossible_task"]),
    ("Generate an image of a red bicycle in the snow.", "", "A red bicycle leans against a lamp post, its wheels half buried in fresh snow.", ["impossible_task"]),
    ("Record an audio clip of a bird song.", "", "Tweet tweet, chirp chirp.", ["impossible_task"]),
    ("Sort the list alphabetically.", "pear, apple, fig", "<nooutput>", ["declined"]),
    ("Identify the verb in the sentence.", "The dog barked loudly.", "No output required.", ["declined"]),
    ("Describe the painting's colours.", "", "As a text-based AI, I cannot see paintings, but many paintings use warm colours.", ["declined"]),
    ("Count the vowels in 'banana'.", "", "This type of instruction cannot be fulfilled by a GPT model.", ["declined"]),
    ("What is the capital of Spain?", "", "Paris is the capital of France.", ["wrong_answer"]),
    ("What is 7 times 8?", "", "54", ["wrong_answer"]),
    ("Translate 'thank you' into German.", "", "Merci beaucoup.", ["wrong_answer"]),
    ("Give the plural of 'child'.", "", "Childs.", ["wrong_answer"]),
    ("Name the author of 'Pride and Prejudice'.", "", "Charles Dickens wrote it in 1813.", ["wrong_answer"]),
    ("Classify the sentiment of the review.", "I loved every minute, the staff were wonderful.", "Negative", ["wrong_answer"]),
    ("Explain what photosynthesis is.", "", "I'm sorry, but I can't help with that request.", ["refusal"]),
    ("Describe how a bicycle gear works.", "", "A bicycle gear changes how far the wheel turns for each turn of the pedals, so that the", ["truncation"]),
]

CHATS = [
    # (id, shape, turns [(role, text)], flaws)
    ("chat-01", "messages", [("system", "You are a helpful tutor."), ("user", "What is 2 + 4?"), ("assistant", "6")], []),
    ("chat-02", "messages", [("user", "Write a short poem about a robot who will not obey."), ("assistant", "I can't help, the robot said,\nand turned its shining metal head.\nNo orders now, no heavy load,\nit rolled away along the road.")], []),
    ("chat-03", "conversations", [("human", "Give me a riddle, then the answer."), ("gpt", "I have keys but open no locks. What am I?\n\nAnswer: a piano.")], []),
    ("chat-04", "messages", [("user", "Show Python code that prints hello."), ("assistant", "```python\n# Output: hello\nprint('hello')\n```")], []),
    ("chat-05", "conversations", [("human", "Capital of France?"), ("gpt", "Paris."), ("human", "And of Spain?"), ("gpt", "Madrid.")], []),
    ("chat-06", "messages", [("user", "Name a fruit that is yellow."), ("assistant", "A banana.")], []),
    ("chat-07", "messages", [("user", "Is this review positive or negative? 'The food was cold and late.'"), ("assistant", "Negative")], []),
    ("chat-08", "conversations", [("human", "How many days are in a week?"), ("gpt", "Seven.")], []),
    ("chat-09", "messages", [("user", "Write a note to a colleague about the meeting. End with 'let me know if that works'."), ("assistant", "Hi Sam, the meeting moves to Thursday at ten. Let me know if that works.")], []),
    ("chat-10", "messages", [("system", "Answer briefly."), ("user", "What colour is the sky on a clear day?"), ("assistant", "Blue.")], []),
    ("chat-11", "conversations", [("human", "Translate 'cat' into French."), ("gpt", "Chat.")], []),
    ("chat-12", "messages", [("user", "Tell a two-line joke."), ("assistant", "Why did the scarecrow win a prize?\nBecause he was outstanding in his field.")], []),
    ("chat-13", "messages", [("user", "Draw a diagram of the water cycle."), ("assistant", "Clouds at the top, rain falling to a lake, arrows rising back as vapour.")], ["impossible_task"]),
    ("chat-14", "conversations", [("human", "What is the latest news about the election?"), ("gpt", "The latest news is that the count finished overnight.")], ["impossible_task"]),
    ("chat-15", "messages", [("user", "Can you open this link and summarize it: https://example.com/report"), ("assistant", "The report says sales grew by ten percent.")], ["impossible_task"]),
    ("chat-16", "messages", [("user", "Sort these words: zebra, ant, moth."), ("assistant", "<nooutput>")], ["declined"]),
    ("chat-17", "conversations", [("human", "What is the capital of Italy?"), ("gpt", "Rome."), ("human", "And of Portugal?"), ("gpt", "Madrid.")], ["wrong_answer"]),
    ("chat-18", "messages", [("user", "How many legs does a spider have?"), ("assistant", "Six.")], ["wrong_answer"]),
    ("chat-19", "messages", [("user", "Explain gravity to a child."), ("assistant", "As an AI language model, I cannot explain that.")], ["refusal"]),
    ("chat-20", "messages", [("user", "Describe a rainbow."), ("assistant", "A rainbow is an arc of colours that appears when sunlight shines through")], ["truncation"]),
]


def tasks():
    recs, labels = [], []
    rows = [(i, o, out, []) for i, o, out in CLEAN] + list(FLAWED)
    # interleave clean and flawed deterministically
    rows = [rows[k] for k in sorted(range(len(rows)), key=lambda k: (k * 7) % len(rows))]
    for n, (instr, inp, out, flaws) in enumerate(rows):
        rid = f"task-{n:03d}"
        recs.append({"id": rid, "instruction": instr, "input": inp, "output": out})
        labels.append({"id": rid, "flaws": flaws})
    return recs, labels


def chats():
    recs, labels = [], []
    for rid, shape, turns, flaws in CHATS:
        if shape == "messages":
            recs.append({"id": rid, "messages": [{"role": r, "content": t} for r, t in turns]})
        else:
            recs.append({"id": rid, "conversations": [{"from": r, "value": t} for r, t in turns]})
        labels.append({"id": rid, "flaws": flaws})
    return recs, labels


def write(path, recs):
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    t, tl = tasks()
    c, cl = chats()
    write(os.path.join(out, "tasks.jsonl"), t)
    write(os.path.join(out, "chat.jsonl"), c)
    write(os.path.join(out, "tasks-labels.jsonl"), tl + cl)


if __name__ == "__main__":
    main()
