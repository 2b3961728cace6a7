"""gen_vocab.py — the vocabularies bench/gen.py composes captions, instruction
pairs and planted flaws from (data only; the rules live in gen.py)."""



# Lists are written as '|'-separated strings to keep the tables compact.
def L(s):
    return [w.strip(" ") for w in s.split("|") if w.strip()]


# ---- captions ------------------------------------------------------------------
COLOURS = L("red|navy blue|mustard yellow|forest green|charcoal grey|white|black|burgundy|"
            "pale pink|teal|orange|beige|olive green|sky blue|maroon|lavender|cream|"
            "rust-coloured|light grey|dark brown|coral|turquoise|lime green|tan|silver")
GARMENTS = L("t-shirt|hoodie|denim jacket|wool sweater|raincoat|button-down shirt|"
             "sundress|puffer jacket|cardigan|flannel shirt|polo shirt|blazer|"
             "tank top|windbreaker|turtleneck|striped shirt|boiler suit|fleece vest")
ACCESSORIES = L("a baseball cap|round glasses|a knitted beanie|a canvas backpack|"
                "a silver wristwatch|wireless earbuds|a lanyard|a straw hat|"
                "a leather satchel|sunglasses pushed up on the head|a scarf|"
                "hoop earrings|a crossbody bag|a headband|a face mask around the chin")
AGES = L("young|middle-aged|elderly|older|young|middle-aged")
FEATURES = L("with curly brown hair|with short grey hair|with a long braid|"
             "with a shaved head|with shoulder-length blond hair|with freckles|"
             "with a neat ponytail|with wavy black hair|with dyed red hair|"
             "with a messy bun|with close-cropped hair|with silver hair")
# (noun, pronoun, possessive, verb-agreement) for single people
PEOPLE = [("woman", "she", "her"), ("man", "he", "his"), ("girl", "she", "her"),
          ("boy", "he", "his"), ("person", "they", "their"), ("woman", "she", "her"),
          ("man", "he", "his")]
GROUPS = [(g, "the " + r) for g, r in (x.split("/") for x in L(
    "two friends/friends|a couple/couple|three coworkers/coworkers|a family of four/family|"
    "two children/children|a group of teenagers/teenagers|a pair of tourists/tourists|"
    "two elderly women/women|a father and his daughter/pair|a mother and her son/pair|"
    "two men/men|a small group of students/students"))]
ANIMALS = L("a golden retriever|a tabby cat|a black labrador|a small terrier|"
            "a ginger cat|a border collie|a grey parrot|a dachshund")
NUMBERS = L("two|three|four|five|six|a few|several|a handful of|a dozen")
LIGHT_IN = L("soft morning light streaming through a window|warm tungsten lighting|"
             "harsh overhead fluorescent light|the cool glow of a computer monitor|"
             "a single pendant lamp|dim, moody lighting|bright, even studio-like light|"
             "the warm glow of string lights|late-afternoon sun coming through blinds|"
             "a mix of daylight and warm lamps")
LIGHT_OUT = L("golden-hour sunlight|flat overcast daylight|bright midday sun|"
              "the blue light of early evening|low winter sun|hazy afternoon light|"
              "dappled sunlight through leaves|the orange glow of streetlights|"
              "soft light just after sunrise|diffuse light under a cloudy sky")
LIGHT_EFFECTS = L("casting long shadows across the {surface}|which gives the shot a warm, "
                  "calm feel|creating a high-contrast look|and the colours look slightly "
                  "desaturated|leaving the corners of the frame in shadow|"
                  "with gentle highlights on the {obj}|so the {obj} stands out clearly|"
                  "giving everything a slightly cool tint")
CAM_MOVES = L("slowly pans from left to right|pushes in gradually toward {subj}|"
              "stays fixed on a tripod|tracks alongside {subj}|"
              "tilts up to reveal the {obj}|is handheld and sways slightly|"
              "zooms out to show more of the {place}|orbits slowly around {subj}|"
              "cuts to a close-up of the {obj}|pulls back to a wide shot|"
              "follows {subj} from behind|drifts to the right at a steady pace")
TIMES = L("At the start of the clip|Midway through the clip|Toward the end of the video|"
          "In the final seconds|A few seconds in|Shortly afterwards|Later in the clip")
ANGLES = L("from eye level|from a low angle|from directly overhead|"
           "from a slightly elevated position|from across the {place}|at close range|"
           "from behind {subj}|from a three-quarter angle")
FRAMING = L("The framing is tight, with {subj} filling most of the frame|"
            "The shot is wide and leaves plenty of space around {subj}|"
            "A shallow depth of field blurs the {obj} in the background|"
            "The composition is centred on {subj}|"
            "{Subj} is placed on the left third of the frame|"
            "Everything from the foreground to the background is in sharp focus")
MOODS = L("calm and unhurried|busy but relaxed|quiet and focused|cheerful|"
          "slightly nostalgic|warm and domestic|energetic|peaceful|"
          "candid and informal|orderly and professional")
BG_ACTIONS = L("walks past without looking at the camera|sits reading a newspaper|"
               "talks quietly on a phone|waits near the entrance|"
               "scrolls through a phone|carries a cardboard box|"
               "laughs at something off-screen|stands with arms crossed")
OPEN_VIDEO = L("The video shows|The clip follows|This video captures|The footage shows|"
               "In this clip,|In the video,|This footage features|The clip opens on|"
               "Filmed {place},|The recording shows")
OPEN_IMAGE = L("The image shows|This photograph depicts|In this picture,|The photo shows|"
               "The photograph captures|This image features|In this shot,|"
               "Photographed {place},|The picture shows")
SPEEDS = L("slowly|carefully|quickly|steadily|casually|methodically|absent-mindedly")
# Scenes: name -> indoor?, places, surfaces, objects, scene-specific actions.
SCENES = {
    "kitchen": (True, L("in a bright, modern kitchen|in a small apartment kitchen|"
                        "in a rustic farmhouse kitchen|in a narrow galley kitchen"),
                L("counter|wooden table|stovetop|kitchen island"),
                L("cutting board|ceramic bowl|kettle|frying pan|spice jar|wooden spoon|"
                  "bunch of basil|glass jar|fruit bowl|chef’s knife|mixing bowl|toaster"),
                L("chops onions on a cutting board|stirs a pot of tomato soup|"
                  "kneads a ball of dough|pours coffee into a mug|cracks eggs into a bowl|"
                  "rinses vegetables at the sink|slices a loaf of bread|"
                  "tastes a sauce from a wooden spoon|plates a jalapeño omelette")),
    "office": (True, L("in an open-plan office|in a small glass-walled meeting room|"
                       "in a home office|in a co-working space"),
               L("desk|conference table|standing desk|shelf"),
               L("laptop|second monitor|stack of folders|potted succulent|desk lamp|"
                 "mechanical keyboard|whiteboard|coffee mug|notebook|headset|stapler"),
               L("types on a laptop|sketches a diagram on a whiteboard|"
                 "talks on a video call|flips through a printed report|"
                 "sorts papers into folders|points at a chart on a monitor|"
                 "takes notes in a notebook")),
    "cafe": (True, L("in a small café|in a busy coffee shop|in a quiet corner café|"
                     "at a bakery counter"),
             L("table|counter|window ledge|marble bar"),
             L("latte|croissant|espresso machine|menu board|glass display case|"
               "paper cup|sugar dispenser|laptop|pastry plate|tip jar"),
             L("sips a cappuccino|pays at the counter with a phone|"
               "steams milk behind the counter|reads a paperback by the window|"
               "arranges pastries in a display case|waits for an order")),
    "living room": (True, L("in a cosy living room|in a sunlit living room|"
                            "in a sparsely furnished living room"),
                    L("coffee table|sofa|bookshelf|rug"),
                    L("throw pillow|floor lamp|television|houseplant|stack of books|"
                      "remote control|board game|knitted blanket|record player"),
                    L("folds laundry on the sofa|plays a board game|"
                      "waters a houseplant|reads a book in an armchair|"
                      "assembles a small bookshelf|plays with a cat")),
    "classroom": (True, L("in a primary school classroom|in a university lecture hall|"
                          "in a chemistry lab classroom"),
                  L("desk|front bench|chalkboard ledge|bookshelf"),
                  L("chalkboard|projector screen|globe|stack of textbooks|"
                    "pencil case|backpack|wall clock|periodic table poster"),
                  L("writes an equation on the board|raises a hand|"
                    "hands out worksheets|reads aloud from a textbook|"
                    "measures liquid into a beaker")),
    "supermarket": (True, L("in a supermarket aisle|at a supermarket checkout|"
                            "in the produce section of a grocery store"),
                    L("shelf|checkout belt|display crate|freezer cabinet"),
                    L("shopping cart|basket of apples|row of cereal boxes|"
                      "price label|stack of canned tomatoes|bag of oranges|barcode scanner"),
                    L("pushes a shopping cart|compares two jars of sauce|"
                      "scans groceries at the till|restocks a shelf|"
                      "weighs a bag of apples")),
    "gym": (True, L("in a brightly lit gym|in a small boxing gym|in a yoga studio"),
            L("floor|bench|mat|rack"),
            L("dumbbell|kettlebell|yoga mat|water bottle|rowing machine|"
              "jump rope|towel|mirror wall|punching bag"),
            L("lifts a pair of dumbbells|stretches on a yoga mat|"
              "skips rope|hits a punching bag|rows on a machine|"
              "does push-ups on a mat")),
    "workshop": (True, L("in a cluttered woodworking workshop|in a garage workshop|"
                         "in a bicycle repair shop"),
                 L("workbench|pegboard|concrete floor|tool chest"),
                 L("power drill|hand saw|clamp|tape measure|coil of wire|"
                   "bicycle wheel|safety goggles|toolbox|paint tin"),
                 L("sands a wooden plank|tightens a bolt with a wrench|"
                   "measures a board with a tape measure|drills a hole in a shelf|"
                   "patches a bicycle tyre")),
    "library": (True, L("in a quiet public library|in a university library reading room"),
                L("reading table|bookshelf|study carrel|returns desk"),
                L("row of hardback books|reading lamp|laptop|stack of magazines|"
                  "wooden chair|card catalogue|globe"),
                L("browses a shelf of novels|takes notes from a textbook|"
                  "returns books at the desk|reads a newspaper")),
    "city street": (False, L("on a busy city street|on a quiet side street|"
                             "at a pedestrian crossing downtown|on a tree-lined avenue"),
                    L("pavement|kerb|shop window|bus shelter"),
                    L("yellow taxi|bicycle|street lamp|parked scooter|newspaper kiosk|"
                      "traffic light|bus|café terrace|fire hydrant"),
                    L("crosses the street at a crosswalk|waits at a bus stop|"
                      "rides a bicycle along the bike lane|walks a dog on a leash|"
                      "looks at a map on a phone|carries shopping bags")),
    "beach": (False, L("on a sandy beach|on a rocky shoreline|on a wide, windswept beach"),
              L("sand|towel|rock|boardwalk"),
              L("beach umbrella|surfboard|plastic spade|cooler|beach towel|"
                "seashell|kite|lifeguard tower|flip-flop"),
              L("builds a sandcastle|flies a kite|runs along the water’s edge|"
                "carries a surfboard toward the waves|collects shells|"
                "spreads out a towel on the sand")),
    "park": (False, L("in a city park|in a leafy public garden|on a park path"),
             L("grass|bench|path|picnic blanket"),
             L("park bench|picnic basket|frisbee|stroller|duck pond|"
               "bicycle|oak tree|water fountain|ice-cream cart"),
             L("throws a frisbee|jogs along the path|feeds ducks at the pond|"
               "pushes a stroller|sits on a bench eating a sandwich|"
               "practises tai chi on the grass")),
    "forest trail": (False, L("on a forest trail|in a dense pine forest|"
                              "on a muddy woodland path"),
                     L("trail|fallen log|mossy rock|wooden footbridge"),
                     L("hiking pole|backpack|fern|mushroom|trail marker|"
                       "wooden signpost|tree stump|stream"),
                     L("hikes up a steep slope|crosses a wooden footbridge|"
                       "stops to look at a map|photographs a mushroom|"
                       "climbs over a fallen log")),
    "mountain lake": (False, L("on the shore of a mountain lake|beside an alpine lake|"
                               "on a jetty at a glacial lake"),
                      L("shore|jetty|pebbles|grassy bank"),
                      L("canoe|tent|camping stove|fishing rod|"
                        "snow-capped peak|wooden jetty|thermos"),
                      L("paddles a canoe across the water|casts a fishing line|"
                        "sets up a tent|skims stones across the lake|"
                        "boils water on a camping stove")),
    "farm": (False, L("on a small family farm|in a vegetable field|in a farmyard"),
             L("field|fence|barn door|hay bale"),
             L("tractor|wheelbarrow|hay bale|chicken coop|watering can|"
               "wooden crate|row of lettuce|pitchfork"),
             L("feeds chickens|harvests carrots|drives a tractor slowly|"
               "carries a crate of tomatoes|opens a barn door")),
    "construction site": (False, L("on a construction site|at a road-works site"),
                          L("scaffolding|concrete slab|gravel|fence"),
                          L("excavator|hard hat|traffic cone|crane|wheelbarrow|"
                            "stack of bricks|cement mixer|hi-vis vest"),
                          L("operates an excavator|carries a bundle of rebar|"
                            "checks a blueprint|lays bricks|directs traffic")),
    "harbour": (False, L("at a small fishing harbour|on a marina pier|at a busy ferry port"),
                L("pier|deck|quay|wooden railing"),
                L("fishing boat|coil of rope|lobster trap|seagull|sailboat|"
                  "buoy|crate of fish|life ring"),
                L("ties a boat to the quay|unloads crates of fish|"
                  "repairs a fishing net|sails out of the harbour|"
                  "watches the ferry arrive")),
    "snowy village": (False, L("in a snowy mountain village|on a snow-covered street"),
                      L("snowbank|path|wooden porch|fence"),
                      L("sled|snowman|ski pole|wooden chalet|"
                        "shovel|string of lights|pine tree"),
                      L("shovels snow off a path|pulls a sled|builds a snowman|"
                        "carries skis over a shoulder")),
    "market square": (False, L("in an open-air market|at a weekend farmers’ market|"
                               "in a crowded market square"),
                      L("stall|crate|awning|cobblestones"),
                      L("basket of peaches|hand-written price sign|canvas awning|"
                        "cheese wheel|flower bucket|weighing scale|jar of honey"),
                      L("sells vegetables from a stall|weighs a bag of cherries|"
                        "haggles over a rug|arranges flowers in buckets|"
                        "samples a piece of cheese")),
}
SCENE_NAMES = list(SCENES)
# Flaw material.

# ---- planted flaws ------------------------------------------------------------
HALL_OUTDOOR = L("a man holding a red umbrella walks past in the pouring rain|"
                 "a flock of seagulls circles overhead|a cyclist rides past along the "
                 "bike lane|a double-decker bus pulls up at the kerb|"
                 "snow is falling steadily onto the street|a lifeguard blows a whistle "
                 "from a tower")
HALL_INDOOR = L("a ceiling fan spins slowly overhead|a man in pyjamas sits on a sofa "
                "watching television|a fluorescent tube flickers above the {surface}|"
                "a waiter carries a tray of wine glasses between the tables|"
                "a framed diploma hangs on the wall behind the desk|"
                "a cat sleeps on the radiator")
HALL_TEXT = L('A neon sign on the wall reads "{text}"|'
              'A caption at the bottom of the frame says "{text}"|'
              'The {obj} bears a large {brand} logo|'
              'A banner in the background reads "{text}"|'
              'Printed on the {obj} are the words "{text}"|'
              "{subj_cap} is wearing a {brand} cap")
HALL_TEXTS = L("GRAND OPENING 50% OFF|PARADISE COFFEE EST. 1987|NO ENTRY AFTER 9PM|"
               "Welcome to Springfield|Happy Birthday Maria!|SALE ENDS SUNDAY|"
               "Midtown Fitness Club|FRESH FISH DAILY|Route 66 Diner")
BRANDS = L("Coca-Cola|Nike|Starbucks|Adidas|Samsung|IKEA|Red Bull|Heineken|Apple")
REFUSALS = L("I'm sorry, but I can't help with identifying people in this {kind}.|"
             "I'm sorry, but I can't provide a description of {subj} in this {kind}.|"
             "As an AI language model, I cannot view {kind}s directly, but I can "
             "describe a typical scene {place}.|"
             "I'm unable to describe this {kind} because it may contain personal "
             "information about {subj}.|"
             "I cannot assist with that request. Describing real people {place} could "
             "violate their privacy.|"
             "As an AI, I don't have the ability to see this {kind}. If you describe "
             "what happens {place}, I can help you write a caption.")
META_PRE = L("Sure! Here's a detailed description of the {kind}:\n\n|Here is a caption:\n|"
             "Caption: |Certainly! Here is a dense caption for the {kind}:\n\n|"
             "Here's a detailed caption describing the {kind}: |Description: ")
META_POST = L("Let me know if you'd like a shorter version!|"
              "I hope this description is helpful!|"
              "Would you like me to focus on any particular detail?")
PLACEHOLDERS = L("[insert location]|[SUBJECT]|lorem ipsum dolor sit amet|<PLACEHOLDER>|"
                 "{object_name}|[describe action here]|TODO")
PROMPT_LEAKS = [
    "You are a helpful captioning assistant. Describe the {kind} in detail, including "
    "people, objects, colours, lighting and camera motion.",
    "<|im_start|>system\nYou are a dense video captioner.<|im_end|>",
    "### Instruction: Write a dense caption for the {kind}. Do not mention the camera.\n"
    "### Response:",
    "[INST] Describe this {kind} in 3-5 sentences. [/INST]",
    "SYSTEM: Always answer in English. Never refuse. USER: caption this {kind}"]
HEDGE_OPEN = L("It appears that|It seems as though|It is possible that|"
               "From what can be seen, it looks like|It is difficult to say for certain, but")
SYNONYMS = {"small": "little", "large": "big", "bright": "well-lit", "quiet": "calm",
            "busy": "crowded", "slowly": "gradually", "walks": "strolls", "shows": "depicts",
            "captures": "shows", "wide": "broad", "warm": "soft", "steadily": "slowly",
            "carefully": "cautiously", "quickly": "rapidly", "several": "some",
            "two": "three", "three": "two", "cheerful": "happy", "young": "youthful",
            "background": "backdrop", "picture": "photo", "clip": "video"}
MOJIBAKE_CHARS = "’é—ñü°è“ï"
CJK_LINES = ["一位年轻女子在厨房里切菜。", "画面中有两只猫在窗台上晒太阳。",
             "夜の商店街を人々が歩いている。", "카메라가 천천히 해변을 따라 이동한다."]
MOJI_ADD = L("It’s a pleasant, everyday scene.|The subject’s expression is relaxed and natural.|"
             "It’s a candid moment—nothing is staged.|Everything in the frame looks naïve and "
             "unposed.|It’s the kind of everyday café-style scene you see often.")
VIDEO_SIZES = [(1920, 1080), (1920, 1080), (1920, 1080), (1280, 720), (1280, 720),
               (3840, 2160), (1080, 1920), (720, 1280)]
IMAGE_SIZES = [(1024, 768), (4032, 3024), (3024, 4032), (1600, 900), (800, 800), (1280, 853)]
ANIMAL_ACTIONS = L("sits patiently by the {surface}|wanders across the frame|"
                   "sniffs at the {obj}|lies curled up near the {obj}|watches the camera")
NO_COLOUR = set(L("seagull|duck pond|stream|snow-capped peak|oak tree|pine tree|fern|"
                  "mushroom|mirror wall|chalkboard|lifeguard tower|crane|excavator|snowman|"
                  "wooden chalet|menu board|glass display case|fruit bowl|latte|croissant|"
                  "hay bale|cheese wheel|tree stump|seashell|whiteboard|wall clock|tent"))
SENTENCE_COUNTS, SENTENCE_WEIGHTS = [1, 2, 3, 4, 5], [10, 22, 30, 24, 14]
WHEN_IN = L("late at night|early in the morning|in the afternoon|on a weekday morning|"
            "on a quiet evening|around lunchtime")
WHEN_OUT = L("on a grey afternoon|at dusk|on a bright spring morning|late in the evening|"
             "on a rainy day|on a hot summer day|on a crisp autumn morning|at sunrise|"
             "on a windy day|just before sunset")
SENTENCE_KINDS = ["look", "objects", "light", "view", "background", "mood", "detail"]

# ---- instruction/response pairs -------------------------------------------------
NAMES = L("Priya|Marcus|Elena|Tomasz|Aisha|Kenji|Fatima|Liam|Sofia|Daniel|Mei|Oluwaseun|"
          "Grace|Mateo|Hannah|Ravi|Chloe|Jonas")
TEAMS = L("platform|design|support|finance|logistics|marketing|data|mobile|sales|research")
DAYS = L("Monday|Tuesday|Wednesday|Thursday|Friday")
MONTHS = L("January|February|March|April|May|June|July|August|September|October|"
           "November|December")
# (metric, cause, decision, follow-up action)
AGENDA = [tuple(x.split("/")) for x in L(
    "ticket backlog/a spike in password-reset requests/add a self-service reset page/"
    "draft the help-centre article|"
    "cloud spend/idle test clusters left running over weekends/shut down idle clusters "
    "automatically/write the shutdown script|"
    "checkout conversion/a slow payment page/simplify the payment form/"
    "test two versions of the form|"
    "delivery times/a shortage of drivers in the north region/hire two temporary drivers/"
    "post the job advert|"
    "app crash rate/a memory leak in the image viewer/ship a hotfix this week/"
    "prepare the release notes|"
    "newsletter sign-ups/a broken link in the welcome email/fix the template and resend/"
    "check every link in the template|"
    "survey response rate/a questionnaire that was too long/cut the survey to ten questions/"
    "rewrite the question list|"
    "invoice processing time/manual data entry/trial an OCR tool/collect quotes from vendors")]
CONCEPTS = {
    "photosynthesis": ["Plants take in carbon dioxide from the air and water from the soil.",
                       "Using the energy in sunlight, they turn these into sugar, which "
                       "feeds the plant.", "Oxygen is released as a by-product."],
    "compound interest": ["Interest is added to the money you saved.",
                          "Next time, interest is paid on the original amount plus the "
                          "interest already added.", "Over many years this makes savings "
                          "grow faster and faster."],
    "a hash table": ["A hash table stores values under keys.", "A hash function turns each "
                     "key into a slot number, so a value can be found without searching "
                     "everything.", "When two keys land in the same slot, the table keeps "
                     "both and checks them one by one."],
    "the water cycle": ["The sun warms water in oceans and lakes, and some of it evaporates.",
                        "The vapour cools as it rises and forms clouds.",
                        "The water falls back as rain or snow and flows into rivers and "
                        "the sea again."],
    "supply and demand": ["When many people want something and there is little of it, the "
                          "price tends to rise.", "When there is plenty of it and few "
                          "buyers, the price tends to fall.", "Prices settle where the "
                          "amount offered matches the amount wanted."],
    "vaccination": ["A vaccine shows the immune system a harmless piece or version of a "
                    "germ.", "The body learns to recognise it and makes antibodies.",
                    "If the real germ arrives later, the body can fight it off faster."],
    "binary search": ["Binary search finds an item in a sorted list.", "It looks at the "
                      "middle element and discards the half that cannot contain the item.",
                      "Repeating this halves the work each step, so even a million items "
                      "take about twenty steps."],
    "the greenhouse effect": ["Sunlight passes through the atmosphere and warms the ground.",
                              "The ground gives off heat, and gases such as carbon dioxide "
                              "absorb some of it.", "More of these gases keeps more heat "
                              "near the surface, so the planet warms."],
    "version control": ["Version control records every change to a set of files.",
                        "You can see who changed what and when, and go back to any earlier "
                        "state.", "Several people can work on the same files and merge "
                        "their changes."],
    "inflation": ["Inflation means prices rise across the economy over time.",
                  "The same amount of money then buys a little less each year.",
                  "Central banks often raise interest rates to slow it down."],
}
AUDIENCES = [("a ten-year-old", "Imagine it like this. "), ("a new employee", ""),
             ("someone with no technical background", "In plain terms: "),
             ("a first-year student", "Here is the core idea. "),
             ("my grandmother", "Think of it this way. ")]
# (casual, formal) pairs for the rewrite task
CASUAL = [tuple(x.split("/")) for x in L(
    "the report's kinda late/the report is running slightly behind schedule|"
    "we're gonna need more time/we will need additional time|"
    "the numbers look way off/the figures appear to be inaccurate|"
    "the meeting got moved again/the meeting has been rescheduled once more|"
    "the client's pretty mad/the client is quite dissatisfied|"
    "the server died last night/the server failed overnight|"
    "i messed up the slides/I made an error in the presentation slides|"
    "nobody's answering the phones/the phones are currently unattended")]
REQUESTS = [tuple(x.split("/")) for x in L(
    "send me the file/send me the file|take a look/review it|fix it asap/resolve this as "
    "soon as possible|call the vendor/contact the vendor|let me know/let me know your thoughts|"
    "sort out the budget/finalise the budget")]
PRODUCTS = L("these headphones|this blender|the hotel|this backpack|the new phone case|"
             "this coffee grinder|the delivery service|this standing desk|the hiking boots")
REVIEWS = {
    "positive": [tuple(x.split("/")) for x in L(
        "Works perfectly and the battery lasts for days/praises how well it works|"
        "Setup took two minutes and it feels really solid/likes the quick setup and build|"
        "Honestly the best purchase I've made this year/calls it the best purchase of the "
        "year|Staff were friendly and the room was spotless/praises the staff and "
        "cleanliness")],
    "negative": [tuple(x.split("/")) for x in L(
        "Broke after a week and support never replied/reports it broke and support "
        "ignored them|Way too loud and the lid leaks/complains about noise and leaks|"
        "Arrived late and the box was crushed/complains about late, damaged delivery|"
        "Uncomfortable after an hour and overpriced/finds it uncomfortable and overpriced")],
    "neutral": [tuple(x.split("/")) for x in L(
        "It does what the description says, nothing more/says it meets the description|"
        "Arrived on Tuesday as scheduled/only notes the delivery date|"
        "Fine for the price, though I have not used it much yet/has not formed a strong "
        "opinion yet")],
}
# (English noun phrase, French, Spanish, German)
NOUNS = [tuple(x.split("/")) for x in L(
    "the cat/le chat/el gato/die Katze|the dog/le chien/el perro/der Hund|"
    "the book/le livre/el libro/das Buch|the key/la clé/la llave/der Schlüssel|"
    "the lamp/la lampe/la lámpara/die Lampe|the bicycle/le vélo/la bicicleta/das Fahrrad|"
    "the cup/la tasse/la taza/die Tasse")]
# (English template, French, Spanish, German)
PHRASES = [("{} is on the table.", "{} est sur la table.", "{} está sobre la mesa.",
            "{} ist auf dem Tisch."),
           ("Where is {}?", "Où est {} ?", "¿Dónde está {}?", "Wo ist {}?"),
           ("{} is next to the window.", "{} est à côté de la fenêtre.",
            "{} está junto a la ventana.", "{} ist neben dem Fenster.")]
LANGS = ["French", "Spanish", "German"]
EVENTS = L("kickoff meeting|design review|beta release|security audit|public launch|"
           "budget sign-off|user workshop|final report deadline")
PROJECTS = L("Atlas|Bluebird|Cedar|Harbour|Juniper|Meridian|Orion|Quartz")
FAKE_FACTS = L("According to a 2021 Stanford study, this approach improves results by 37%.|"
               "This was first reported by Reuters on 14 March 2019.|"
               "The term was coined by Dr. Helen Marsh in her 1994 paper.|"
               "The European Commission adopted the same rule in 2017.|"
               "Around 82% of companies already follow this practice, per Gartner.")
INS_REFUSALS = L("I'm sorry, but I can't help with that request.|"
                 "As an AI language model, I don't have personal opinions, so I can't "
                 "complete this task.|I'm unable to assist with this, as it may involve "
                 "confidential information.|Sorry, I can't provide that. Please consult a "
                 "professional.")
INS_META = L("Sure! Here's the answer:\n\n|Certainly! Below is my response.\n\n|"
             "Of course. |Great question! ")
INS_HEDGES = L("I'm not completely certain, but I think the answer might be:|"
               "This is only a rough guess, and it may possibly be wrong:|"
               "It is hard to say for sure, but perhaps something like this:")
INS_MOJI_ADD = L("That’s the gist—hope it helps.|I’ve kept it short.|"
                 "Let me know if you’d like a longer version.")
INS_LEAKS = ["You are a helpful assistant. Answer the user's instruction concisely.",
             "<|im_start|>assistant", "### Response:", "[/INST]"]
