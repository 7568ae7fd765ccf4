"""Word pools of the document generator, written for evalkit (no names of real private people;
companies, shops, banks, apps and news outlets are invented). Large pools and combinations of
them are what keep sentences from repeating across 750 samples."""

from __future__ import annotations

FIRST_NAMES = """
Aaliyah Aarav Abel Ada Adaeze Adrian Agnes Aiko Aisha Alana Alejandro Alexei Alma Amara Amir
Ana Anders Andile Anika Anton Arjun Asha Astrid Ava Ayumi Beatriz Ben Bianca Bilal Bo Bruno
Caleb Camila Carmen Cecilia Chen Chidi Chloe Clara Colm Connor Dalia Damian Dana Daniel Dario
Dev Diego Dina Dmitri Eamon Eden Elena Eli Elif Ellis Emeka Emil Emma Enzo Esme Ethan Eva
Ezra Farah Fatima Felix Fern Finn Freya Gabriel Gemma Gia Gideon Grace Greta Hana Hannah
Harper Hassan Hector Helen Hiro Hugo Ibrahim Ida Ilse Imani Inez Ines Ingrid Isaac Isla Ivan
Jada Jamal Jana Javier Jaya Jesse Jin Joanna Jonah Jorge Josie Julian June Kai Kalani Kamal
Karin Kavya Keanu Kenji Kezia Kiran Kofi Lara Laszlo Layla Leah Leila Lena Leo Liam Lila
Lina Lorenzo Luca Lucia Luis Luka Mabel Madhu Maeve Malik Mara Marco Maria Marisol Marta
Mateo Maya Mei Mia Miguel Mila Milo Mina Miriam Moana Mohammed Nadia Naomi Nasser Nia Nico
Nika Nina Noah Noor Nora Obi Olga Oliver Omar Oren Oscar Owen Paloma Paolo Parisa Pavel
Petra Pia Pilar Priya Quinn Rafael Rahul Rania Ravi Rebecca Reza Rhea Rina Rohan Rosa Rowan
Ruby Rui Ruth Sadie Sai Salma Sam Samir Sana Santiago Sara Selin Seo-yeon Shira Silas Simone
Sina Siobhan Sofia Sol Soren Stella Sunita Tariq Tess Theo Tomas Tova Tyrone Uma Valentina
Vera Victor Vikram Wanjiru Wei Wendell Willa Xavier Yara Yasmin Yosef Yuki Yusuf Zainab Zara
Zeke Zoe Zofia
""".split()

LAST_NAMES = """
Abara Acosta Adeyemi Ahmed Albrecht Alvarez Amato Andersen Anand Arslan Bae Baker Balogun
Banerjee Barros Becker Bergstrom Bianchi Blackwood Bose Brennan Brooks Calloway Campos Carvalho
Castillo Chandra Chavez Chen Cho Christensen Clarke Coleman Costa Cruz Dahl Das Delgado Demir
Diallo Dimitrov Dubois Duarte Dunn Ekström Eriksen Esposito Farouk Fernandes Fischer Fitzgerald
Flores Fong Foster Fujita Gallagher Garcia Gill Gomez Gonzaga Grant Greco Gupta Haddad Hale
Halvorsen Han Hartmann Hayes Hernandez Hoffman Horvath Hughes Ibarra Ilunga Ito Iyer Jansen
Jensen Jimenez Johansson Joshi Kamara Kapoor Karlsson Kaur Keller Khan Kim Kiplagat Klein
Koch Kowalski Kramer Kruger Kumar Lambert Larsen Laurent Lee Lindqvist Lopez Lund Madsen
Mahlangu Malik Mancini Marsh Martins Meyer Mendes Menon Mirza Molina Moreau Mori Murphy Nagy
Nair Nakamura Navarro Ndlovu Nguyen Nielsen Novak Nowak Obi Okafor Okonkwo Oliveira Olsen
Ortega Osei Owusu Pajari Park Patel Pereira Petrov Pham Popescu Quinlan Rahman Ramos Rao
Reyes Ricci Rivera Romano Rossi Ruiz Saito Salazar Santos Sato Schmidt Schneider Sen Shah
Silva Singh Sokolov Sousa Stein Suarez Sullivan Suzuki Takahashi Tan Tanaka Thapa Torres
Tran Varga Vasquez Vega Verma Vogel Volkov Wagner Walsh Wang Weber Wiśniewska Wójcik Yamada
Yilmaz Young Yu Zamora Zhang Zhou Zielinski
""".split()

COMPANY_HEADS = """
Northwind Bluefin Copperleaf Harborlight Tidewater Silverpine Redwood Brightline Lumen Meridian
Oakhurst Juniper Kestrel Larkspur Halcyon Cobalt Ironbridge Foxglove Granite Saltmarsh Beacon
Westbrook Summit Cedarvale Sunmill Rivermark Stonefield Quayside Alder Fairhaven Greenway
Ashgrove Bellweather Clearwater Driftwood Evergreen Fernhill Goldcrest Highmoor Ivybridge
Moonstone Northgate Orchard Pinecrest Quillon Ridgeway Seabright Thornbury Upland Vantage
Willowby Yellowtail Zephyr Amberly Blackfen Crescent Dovetail Emberly Flintlock
""".split()
COMPANY_TAILS = """
Labs|Logistics|Partners|Analytics|Health|Studio|Systems|Foods|Energy|Capital|Robotics|Media|
Design|Software|Freight|Outfitters|Consulting|Bio|Works|Insurance|Realty|Networks|Supply|Textiles
""".replace("\n", "").split("|")

CITIES = """
Lisbon|Porto|Seville|Valencia|Lyon|Marseille|Bordeaux|Hamburg|Leipzig|Munich|Vienna|Graz|
Zurich|Geneva|Rotterdam|Utrecht|Antwerp|Ghent|Copenhagen|Aarhus|Gothenburg|Bergen|Helsinki|
Tallinn|Krakow|Prague|Brno|Budapest|Ljubljana|Zagreb|Split|Thessaloniki|Naples|Bologna|Turin|
Dublin|Galway|Edinburgh|Glasgow|Bristol|Leeds|Manchester|Cardiff|Reykjavik|Montreal|Vancouver|
Calgary|Halifax|Portland|Seattle|Denver|Austin|Nashville|Minneapolis|Pittsburgh|Baltimore|
Sacramento|Tucson|Raleigh|Savannah|Boise|Santa Fe|Oakland|San Diego|Mexico City|Oaxaca|Bogota|
Lima|Santiago|Montevideo|Nairobi|Accra|Lagos|Cape Town|Kigali|Casablanca|Tunis|Istanbul|Izmir|
Tbilisi|Dubai|Mumbai|Pune|Bengaluru|Kochi|Kathmandu|Singapore|Penang|Hanoi|Osaka|Kyoto|Sapporo|
Busan|Taipei|Manila|Melbourne|Brisbane|Perth|Wellington|Auckland
""".replace("\n", "").split("|")

STREETS = """
Alder|Birch|Cedar|Chestnut|Cypress|Elm|Hawthorn|Hazel|Juniper|Larch|Linden|Magnolia|Maple|
Mulberry|Oak|Olive|Poplar|Rowan|Spruce|Sycamore|Walnut|Willow|Harbor|Mill|Church|Market|
Station|Bridge|Garden|Orchard|Union|Water|Canal|Quarry|Ferry|Lantern|Foundry|Granary|Tannery|
Kingsley|Hollis|Whitford|Carrow|Dunmore|Ellery|Fairview|Glenwood|Hillcrest|Lakeview|Meadow|
Parkside|Riverside|Sunset|Vista|Highland|Prospect|Clifton|Belmont|Ashland
""".replace("\n", "").split("|")
STREET_TYPES = ["Street", "Avenue", "Road", "Lane", "Drive", "Place", "Way", "Court", "Boulevard"]

VENUE_HEADS = """
Blue Door|Little Fig|Copper Pot|Olive Tree|Golden Lotus|Red Lantern|Salt & Vine|Wild Thyme|
Maple Leaf|Corner Table|Harbor House|Tin Cup|Lemon Grove|Brass Owl|Green Heron|Silver Spoon|
Paper Crane|Sunday Best|Night Owl|Juniper Hill|Three Bells|Smoke & Barrel|Marigold|Saffron|
Basil & Co|Kettle Black|Lantern Row|Bluebird|Half Moon|Stone Oven|Cardamom|Fig & Honey|
Pomegranate|Ember|Driftwood|Old Mill|Crooked Spoon|Sea Glass|Tamarind|Rosemary|Pepper Tree
""".replace("\n", "").split("|")
VENUE_KINDS = """
Bistro|Café|Kitchen|Taqueria|Noodle Bar|Trattoria|Diner|Brewing|Tavern|Bakery|Ramen|Grill|
Dumpling House|Wine Bar|Pizzeria|Eatery|Canteen|Tea House|Smokehouse|Oyster Bar
""".replace("\n", "").split("|")

ACTIVITY_PLACES = """
climbing gym|bowling alley|farmers market|botanical garden|science museum|art museum|
ice rink|trampoline park|escape room|lakeside trail|dog park|public pool|night market|
comedy club|jazz bar|record store|board game café|pottery studio|karaoke bar|food hall|
mini golf course|planetarium|aquarium|outdoor cinema|rooftop bar|flea market|kayak rental|
wine tasting room|community theater|skate park
""".replace("\n", "").split("|")

ROOM_NAMES = """
Aspen|Birch|Cedar|Fir|Hemlock|Larch|Maple|Oak|Pine|Redwood|Sequoia|Spruce|Tamarack|Willow|
Baikal|Como|Garda|Geneva|Huron|Ladoga|Malawi|Superior|Tahoe|Titicaca|Victoria|Erie|Atlas|
Everest|Denali|Kilimanjaro|Matterhorn|Olympus|Rainier|Shasta|Fuji|Elbrus|Aconcagua
""".replace("\n", "").split("|")

PROJECT_CODENAMES = """
Bluebird|Kingfisher|Heron|Osprey|Albatross|Puffin|Magpie|Wren|Sparrow|Falcon|Condor|Pelican|
Obsidian|Garnet|Topaz|Quartz|Onyx|Jasper|Cobalt|Basalt|Granite|Marble|Amber|Opal|Sapphire|
Polaris|Vega|Orion|Lyra|Cassini|Nova|Aurora|Zenith|Comet|Nebula|Atlas|Helios|Juno|Triton|
Maple|Sequoia|Cypress|Bamboo|Lotus|Clover|Thistle|Nettle|Saffron|Fennel|Tamarind|Juniper
""".replace("\n", "").split("|")

WORK_TOPICS = """
vendor contract|pricing page|onboarding flow|budget forecast|board deck|customer survey|
data migration|security audit|hiring plan|launch checklist|quarterly report|partner agreement|
brand guidelines|support playbook|warehouse layout|inventory count|sales pipeline|renewal list|
travel policy|accessibility review|release notes|incident review|roadmap draft|training module|
newsletter copy|investor update|payroll export|compliance checklist|store display plan|
menu redesign|shipping rates|grant application|press kit|user interviews|API documentation|
price list|cost model|client proposal|site survey|office move plan|safety inspection|
recruiting brochure|tax filing|fleet schedule|sponsorship deck|course syllabus|floor plan|
seating chart|maintenance log|volunteer roster
""".replace("\n", "").split("|")
WORK_QUALIFIERS = """
Q1|Q2|Q3|Q4|2025|2026|EMEA|APAC|LATAM|North America|mobile|web|retail|wholesale|spring|summer|
autumn|winter|holiday|west coast|east coast|northern region|southern region|pilot|phase two|
enterprise|small business|nonprofit|internal|client-facing
""".replace("\n", "").split("|")
DEPARTMENTS = """
Finance|Marketing|Operations|Legal|Facilities|Engineering|Design|Sales|Customer Success|
People Ops|Procurement|Research|Data|Security|Product|Communications|Partnerships|IT
""".replace("\n", "").split("|")

FILE_KINDS = """
spreadsheet|slide deck|draft|mockups|contract draft|PDF|one-pager|checklist|photos|floor plan|
budget sheet|notes|summary doc|timeline|quote|invoice copy|signed form|report draft
""".replace("\n", "").split("|")

PRODUCTS = """
ceramic pour-over kettle|linen duvet cover|cast-iron skillet|noise-cancelling headphones|
trail running shoes|standing desk mat|wool throw blanket|bamboo cutting board set|
espresso grinder|rain jacket|hiking backpack|bedside lamp|wireless keyboard|yoga mat|
stainless steel water bottle|desk chair cushion|herb garden kit|electric toothbrush|
portable charger|board game|set of wine glasses|merino wool sweater|leather wallet|
kids' rain boots|bike helmet|camping stove|air purifier filter|robot vacuum|blender|
ergonomic mouse|cotton bath towels|dutch oven|phone case|smart plug two-pack|
sketchbook set|watercolor paints|winter gloves|travel pillow|road bike tire|dog bed|
cat tree|fleece hoodie|garden hose|rice cooker|French press|desk organizer|floor lamp|
bookshelf|picture frames|shower curtain|bluetooth speaker|label printer|webcam|
monitor stand|laptop sleeve|mechanical keyboard|gaming headset|tent footprint|
sleeping bag|snow boots|toaster oven|coffee beans subscription|tea sampler|
vitamin D supplements|printer ink cartridges|wall clock|desk plant|weighted blanket
""".replace("\n", "").split("|")
COLORS = """
navy|charcoal|sage green|rust|cream|black|white|slate blue|burgundy|mustard|olive|sand|teal|
coral|forest green|graphite|ivory|plum
""".replace("\n", "").split("|")

STORE_HEADS = """
Harbor & Pine|Lumen Goods|Field & Ferry|Copper Crate|North Trail Outfitters|Blue Hour Home|
Oak & Ember|Little Parcel|Kite Street Supply|Meadowlark Market|Tinder & Twine|Brightway|
Common Thread|Sunday Studio|Stoneware Co|Greenhouse Goods|Atlas Gear|Canvas & Clay|
Parcel Pantry|Hearthstone|Pebble & Park|Rover Supply|Wildflower Shop|Urban Cellar
""".replace("\n", "").split("|")

CARRIERS = ["ParcelPoint", "SwiftShip", "Courierly", "Waypost", "RouteOne", "BoxLane"]
BANKS = [
    "Harborview Bank",
    "Summit Credit Union",
    "Northstar Bank",
    "Keystone Savings",
    "Riverbend Bank",
]
NEWS_OUTLETS = ["Daily Ledger", "Metro Wire", "Morning Post", "City Desk", "The Courier"]
SOCIAL_APPS = ["Circlet", "Snapfeed", "Kinship", "Trellis"]
CHAT_APPS = ["Messages", "Chatter", "Signalbox", "Huddle"]

MERCHANTS = """
FreshCo Grocers|Metro Transit|City Parking|Cornerstone Pharmacy|Bean Street Coffee|
Lumen Electric|Aqua Utilities|Streamly|Gigabyte Internet|Northside Fitness|Petal & Stem|
Fuel Stop 24|The Book Nook|QuickCab|Harbor Hardware|Cinema Paradiso|Sunrise Bakery|
Tech Depot|GreenLeaf Market|Cloudbox Storage|Urban Threads|Happy Paws Vet
""".replace("\n", "").split("|")

SPORTS_MASCOTS = """
Herons|Foxes|Comets|Rangers|Mariners|Wolves|Owls|Pioneers|Kestrels|Otters|Lynx|Stags|
Thunder|Tides|Wildcats|Falcons
""".replace("\n", "").split("|")

PETS = ["dog", "cat", "puppy", "kitten", "rabbit", "parrot"]
PET_NAMES = """
Biscuit|Pepper|Mochi|Luna|Ziggy|Olive|Waffles|Juniper|Basil|Nugget|Pickles|Maple|Bean|Sprout|
Tofu|Clementine|Rocket|Hazel|Poppy|Chai
""".replace("\n", "").split("|")

HOBBIES = """
pottery|bouldering|salsa|sourdough|chess|birdwatching|film photography|open water swimming|
trail running|woodworking|choir|improv|knitting|beekeeping|calligraphy|rowing|tennis|
ceramics|watercolor|cycling|jazz piano|rock climbing|ultimate frisbee|gardening
""".replace("\n", "").split("|")

DISHES = """
lasagna|chili|tacos|curry|dumplings|paella|ramen|pancakes|roast chicken|veggie burgers|
risotto|shakshuka|stir fry|pierogi|enchiladas|pad thai|moussaka|falafel wraps|gumbo|bibimbap
""".replace("\n", "").split("|")

GROCERIES = """
oat milk|eggs|sourdough bread|bananas|coffee filters|basmati rice|olive oil|spinach|
cherry tomatoes|yogurt|paper towels|dish soap|apples|cheddar|tortillas|avocados|lemons|
peanut butter|oatmeal|frozen peas|garlic|onions|honey|dog food|diapers|toothpaste
""".replace("\n", "").split("|")

DEVICES = """
wireless earbuds|robot vacuum|smart thermostat|e-reader|fitness tracker|Wi-Fi router|
label printer|security camera|smart speaker|video doorbell|tablet|smartwatch|air purifier|
espresso machine|baby monitor|dash cam|portable projector|smart lock|bike computer|
electric toothbrush|drawing tablet|mesh Wi-Fi kit|streaming stick|photo printer
""".replace("\n", "").split("|")
DEVICE_PROBLEMS = [
    "stopped turning on",
    "keeps disconnecting from Wi-Fi",
    "arrived with a cracked screen",
    "shows error E{e} on startup",
    "won't pair with my phone",
    "is missing the charging cable",
    "overheats after {m} minutes",
    "drains its battery in {m} minutes",
    "restarts on its own every few hours",
    "makes a loud buzzing noise",
]
