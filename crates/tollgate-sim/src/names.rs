//! Realistic names: companies, people, domains and e-mail addresses, built from word lists in
//! each country's own style ("Novák Stavby s.r.o.", "Contoso Logistics GmbH", "Blue Harbor Ltd").

use crate::geo::NameStyle;
use crate::rng::{self, SimRng};

/// The word lists of one naming style.
struct Words {
    male_first: &'static [&'static str],
    female_first: &'static [&'static str],
    /// Surnames as `(male form, female form)`.
    surnames: &'static [(&'static str, &'static str)],
    /// Trades and industries in the local language.
    fields: &'static [&'static str],
    cities: &'static [&'static str],
    /// Legal forms with their weights.
    suffixes: &'static [(&'static str, u32)],
    /// Whether company names are mostly brand-style ("Blue Harbor") rather than family names.
    brand_style: bool,
}

const CZECH: Words = Words {
    male_first: &[
        "Jan", "Petr", "Martin", "Tomáš", "Jiří", "Pavel", "Lukáš", "Jakub", "Michal", "David",
        "Ondřej", "Václav",
    ],
    female_first: &[
        "Jana",
        "Eva",
        "Hana",
        "Lucie",
        "Petra",
        "Kateřina",
        "Lenka",
        "Veronika",
        "Tereza",
        "Markéta",
    ],
    surnames: &[
        ("Novák", "Nováková"),
        ("Svoboda", "Svobodová"),
        ("Novotný", "Novotná"),
        ("Dvořák", "Dvořáková"),
        ("Černý", "Černá"),
        ("Procházka", "Procházková"),
        ("Kučera", "Kučerová"),
        ("Veselý", "Veselá"),
        ("Horák", "Horáková"),
        ("Němec", "Němcová"),
        ("Marek", "Marková"),
        ("Pospíšil", "Pospíšilová"),
        ("Pokorný", "Pokorná"),
        ("Hájek", "Hájková"),
        ("Král", "Králová"),
        ("Jelínek", "Jelínková"),
        ("Růžička", "Růžičková"),
        ("Beneš", "Benešová"),
        ("Fiala", "Fialová"),
        ("Sedláček", "Sedláčková"),
        ("Doležal", "Doležalová"),
        ("Zeman", "Zemanová"),
        ("Kolář", "Kolářová"),
        ("Navrátil", "Navrátilová"),
        ("Čermák", "Čermáková"),
    ],
    fields: &[
        "Stavby",
        "Logistika",
        "Software",
        "Elektro",
        "Doprava",
        "Strojírny",
        "Reality",
        "Systémy",
        "Servis",
        "Obchod",
        "Energie",
        "Nábytek",
        "Tisk",
        "Zahrady",
        "Účetnictví",
        "Technika",
        "Projekt",
        "Instalace",
        "Agro",
        "Medical",
    ],
    cities: &[
        "Praha",
        "Brno",
        "Ostrava",
        "Plzeň",
        "Olomouc",
        "Liberec",
        "Zlín",
        "Pardubice",
        "Jihlava",
    ],
    suffixes: &[("s.r.o.", 85), ("a.s.", 12), ("v.o.s.", 3)],
    brand_style: false,
};

const SLOVAK: Words = Words {
    male_first: &[
        "Peter", "Martin", "Jozef", "Ján", "Marek", "Michal", "Tomáš", "Juraj",
    ],
    female_first: &[
        "Mária",
        "Zuzana",
        "Katarína",
        "Jana",
        "Lucia",
        "Martina",
        "Ivana",
    ],
    surnames: &[
        ("Horváth", "Horváthová"),
        ("Kováč", "Kováčová"),
        ("Varga", "Vargová"),
        ("Tóth", "Tóthová"),
        ("Nagy", "Nagyová"),
        ("Baláž", "Balážová"),
        ("Molnár", "Molnárová"),
        ("Lukáč", "Lukáčová"),
        ("Kollár", "Kollárová"),
        ("Oravec", "Oravcová"),
        ("Šimko", "Šimková"),
        ("Hudák", "Hudáková"),
    ],
    fields: &[
        "Stavby",
        "Logistika",
        "Softvér",
        "Elektro",
        "Doprava",
        "Servis",
        "Obchod",
        "Reality",
        "Systémy",
        "Technika",
    ],
    cities: &[
        "Bratislava",
        "Košice",
        "Žilina",
        "Nitra",
        "Prešov",
        "Trnava",
    ],
    suffixes: &[("s.r.o.", 88), ("a.s.", 12)],
    brand_style: false,
};

const GERMAN_FIRST_MALE: &[&str] = &[
    "Thomas", "Michael", "Andreas", "Stefan", "Markus", "Florian", "Lukas", "Jonas",
];
const GERMAN_FIRST_FEMALE: &[&str] = &[
    "Anna",
    "Julia",
    "Katharina",
    "Sabine",
    "Claudia",
    "Laura",
    "Lena",
    "Sarah",
];
const GERMAN_FIELDS: &[&str] = &[
    "Logistik",
    "Bau",
    "Software",
    "Technik",
    "Handel",
    "Elektrotechnik",
    "Immobilien",
    "Consulting",
    "Medien",
    "Maschinenbau",
    "Haustechnik",
    "Druck",
    "Metallbau",
];

const GERMAN: Words = Words {
    male_first: GERMAN_FIRST_MALE,
    female_first: GERMAN_FIRST_FEMALE,
    surnames: &[
        ("Müller", "Müller"),
        ("Schmidt", "Schmidt"),
        ("Schneider", "Schneider"),
        ("Fischer", "Fischer"),
        ("Weber", "Weber"),
        ("Meyer", "Meyer"),
        ("Wagner", "Wagner"),
        ("Becker", "Becker"),
        ("Schulz", "Schulz"),
        ("Hoffmann", "Hoffmann"),
        ("Koch", "Koch"),
        ("Richter", "Richter"),
        ("Klein", "Klein"),
        ("Wolf", "Wolf"),
        ("Neumann", "Neumann"),
        ("Zimmermann", "Zimmermann"),
        ("Braun", "Braun"),
        ("Hartmann", "Hartmann"),
    ],
    fields: GERMAN_FIELDS,
    cities: &[
        "Berlin",
        "Hamburg",
        "München",
        "Köln",
        "Frankfurt",
        "Stuttgart",
        "Leipzig",
        "Dresden",
    ],
    suffixes: &[("GmbH", 70), ("AG", 8), ("GmbH & Co. KG", 12), ("KG", 10)],
    brand_style: false,
};

const AUSTRIAN: Words = Words {
    male_first: GERMAN_FIRST_MALE,
    female_first: GERMAN_FIRST_FEMALE,
    surnames: &[
        ("Gruber", "Gruber"),
        ("Huber", "Huber"),
        ("Bauer", "Bauer"),
        ("Wagner", "Wagner"),
        ("Pichler", "Pichler"),
        ("Steiner", "Steiner"),
        ("Moser", "Moser"),
        ("Mayer", "Mayer"),
        ("Hofer", "Hofer"),
        ("Leitner", "Leitner"),
        ("Berger", "Berger"),
    ],
    fields: GERMAN_FIELDS,
    cities: &[
        "Wien",
        "Graz",
        "Linz",
        "Salzburg",
        "Innsbruck",
        "Klagenfurt",
    ],
    suffixes: &[("GmbH", 80), ("AG", 5), ("KG", 10), ("OG", 5)],
    brand_style: false,
};

const POLISH: Words = Words {
    male_first: &[
        "Piotr",
        "Krzysztof",
        "Tomasz",
        "Paweł",
        "Michał",
        "Łukasz",
        "Marcin",
    ],
    female_first: &[
        "Anna",
        "Katarzyna",
        "Magdalena",
        "Agnieszka",
        "Joanna",
        "Monika",
    ],
    surnames: &[
        ("Nowak", "Nowak"),
        ("Kowalski", "Kowalska"),
        ("Wiśniewski", "Wiśniewska"),
        ("Wójcik", "Wójcik"),
        ("Kowalczyk", "Kowalczyk"),
        ("Kamiński", "Kamińska"),
        ("Lewandowski", "Lewandowska"),
        ("Zieliński", "Zielińska"),
        ("Szymański", "Szymańska"),
        ("Woźniak", "Woźniak"),
    ],
    fields: &[
        "Transport",
        "Budownictwo",
        "Systemy",
        "Handel",
        "Serwis",
        "Logistyka",
        "Technika",
        "Instalacje",
    ],
    cities: &["Warszawa", "Kraków", "Wrocław", "Poznań", "Gdańsk", "Łódź"],
    suffixes: &[("sp. z o.o.", 85), ("S.A.", 15)],
    brand_style: false,
};

const ENGLISH_FIRST_MALE: &[&str] = &[
    "James", "John", "Michael", "David", "Robert", "Daniel", "Oliver", "George", "Harry",
];
const ENGLISH_FIRST_FEMALE: &[&str] = &[
    "Mary", "Sarah", "Emily", "Jessica", "Emma", "Olivia", "Sophie", "Laura",
];
const ENGLISH_SURNAMES: &[(&str, &str)] = &[
    ("Smith", "Smith"),
    ("Johnson", "Johnson"),
    ("Williams", "Williams"),
    ("Brown", "Brown"),
    ("Jones", "Jones"),
    ("Miller", "Miller"),
    ("Davis", "Davis"),
    ("Wilson", "Wilson"),
    ("Taylor", "Taylor"),
    ("Clark", "Clark"),
    ("Walker", "Walker"),
    ("Wright", "Wright"),
    ("Baker", "Baker"),
    ("Hughes", "Hughes"),
    ("Evans", "Evans"),
];
/// Industries in English, used by every style for brand-style names.
const INDUSTRIES: &[&str] = &[
    "Logistics",
    "Software",
    "Consulting",
    "Analytics",
    "Manufacturing",
    "Health",
    "Media",
    "Solutions",
    "Systems",
    "Foods",
    "Energy",
    "Labs",
    "Partners",
    "Digital",
    "Engineering",
    "Retail",
    "Trading",
    "Technologies",
];
const BRAND_ADJECTIVES: &[&str] = &[
    "Blue",
    "Silver",
    "Northern",
    "Bright",
    "Swift",
    "Green",
    "Iron",
    "Summit",
    "Golden",
    "Crystal",
    "Evergreen",
    "Red",
    "Granite",
    "Pioneer",
    "Atlas",
    "Cedar",
    "Amber",
    "Polar",
];
const BRAND_NOUNS: &[&str] = &[
    "Harbor", "River", "Peak", "Oak", "Falcon", "Bridge", "Stone", "Lake", "Ridge", "Field",
    "Point", "Valley", "Crest", "Rock", "Wave", "Lantern", "Forge", "Arrow",
];
/// Brand names of the provider's own documentation, which real customers borrow surprisingly often.
const FICTIONAL_BRANDS: &[&str] = &[
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Wingtip",
    "Adatum",
    "Litware",
    "Proseware",
    "Woodgrove",
    "Lamna",
    "Relecloud",
    "Coho",
];

const AMERICAN: Words = Words {
    male_first: ENGLISH_FIRST_MALE,
    female_first: ENGLISH_FIRST_FEMALE,
    surnames: ENGLISH_SURNAMES,
    fields: INDUSTRIES,
    cities: &[
        "Austin", "Denver", "Boston", "Seattle", "Atlanta", "Portland", "Chicago",
    ],
    suffixes: &[("Inc.", 45), ("LLC", 40), ("Corp.", 15)],
    brand_style: true,
};

const BRITISH: Words = Words {
    male_first: ENGLISH_FIRST_MALE,
    female_first: ENGLISH_FIRST_FEMALE,
    surnames: ENGLISH_SURNAMES,
    fields: INDUSTRIES,
    cities: &[
        "Leeds",
        "Bristol",
        "Manchester",
        "Cambridge",
        "Glasgow",
        "Oxford",
    ],
    suffixes: &[("Ltd", 70), ("Limited", 20), ("LLP", 10)],
    brand_style: true,
};

const DUTCH: Words = Words {
    male_first: &["Daan", "Sem", "Lucas", "Jan", "Pieter", "Bram", "Thijs"],
    female_first: &["Emma", "Sophie", "Julia", "Anna", "Lotte", "Sanne"],
    surnames: &[
        ("de Jong", "de Jong"),
        ("Jansen", "Jansen"),
        ("de Vries", "de Vries"),
        ("van den Berg", "van den Berg"),
        ("van Dijk", "van Dijk"),
        ("Bakker", "Bakker"),
        ("Visser", "Visser"),
        ("Smit", "Smit"),
        ("Meijer", "Meijer"),
        ("de Boer", "de Boer"),
        ("Mulder", "Mulder"),
    ],
    fields: &[
        "Installatietechniek",
        "Logistiek",
        "Bouw",
        "Advies",
        "Software",
        "Techniek",
        "Transport",
        "Groep",
    ],
    cities: &[
        "Amsterdam",
        "Rotterdam",
        "Utrecht",
        "Eindhoven",
        "Groningen",
    ],
    suffixes: &[("B.V.", 90), ("N.V.", 10)],
    brand_style: false,
};

const FRENCH: Words = Words {
    male_first: &["Jean", "Pierre", "Nicolas", "Julien", "Thomas", "Antoine"],
    female_first: &["Marie", "Camille", "Julie", "Claire", "Sophie", "Léa"],
    surnames: &[
        ("Martin", "Martin"),
        ("Bernard", "Bernard"),
        ("Dubois", "Dubois"),
        ("Robert", "Robert"),
        ("Richard", "Richard"),
        ("Petit", "Petit"),
        ("Durand", "Durand"),
        ("Leroy", "Leroy"),
        ("Moreau", "Moreau"),
        ("Laurent", "Laurent"),
        ("Lefèvre", "Lefèvre"),
        ("Girard", "Girard"),
        ("Fournier", "Fournier"),
    ],
    fields: &[
        "Conseil",
        "Informatique",
        "Transports",
        "Bâtiment",
        "Services",
        "Distribution",
        "Ingénierie",
        "Logistique",
    ],
    cities: &["Lyon", "Lille", "Nantes", "Bordeaux", "Toulouse", "Rennes"],
    suffixes: &[("SARL", 50), ("SAS", 45), ("SA", 5)],
    brand_style: false,
};

const NIGERIAN: Words = Words {
    male_first: &[
        "Chinedu",
        "Emeka",
        "Oluwaseun",
        "Tunde",
        "Ibrahim",
        "Adebayo",
    ],
    female_first: &["Ngozi", "Chioma", "Funmilayo", "Aisha", "Amaka", "Yetunde"],
    surnames: &[
        ("Okafor", "Okafor"),
        ("Adeyemi", "Adeyemi"),
        ("Okonkwo", "Okonkwo"),
        ("Balogun", "Balogun"),
        ("Eze", "Eze"),
        ("Nwosu", "Nwosu"),
        ("Abubakar", "Abubakar"),
        ("Ogunleye", "Ogunleye"),
        ("Bello", "Bello"),
        ("Obi", "Obi"),
    ],
    fields: INDUSTRIES,
    cities: &["Lagos", "Abuja", "Kano", "Ibadan", "Enugu"],
    suffixes: &[("Ltd", 50), ("Limited", 30), ("Nigeria Ltd", 20)],
    brand_style: true,
};

const BRAZILIAN: Words = Words {
    male_first: &["João", "Pedro", "Lucas", "Gabriel", "Rafael", "Carlos"],
    female_first: &["Ana", "Maria", "Juliana", "Fernanda", "Camila", "Beatriz"],
    surnames: &[
        ("Silva", "Silva"),
        ("Santos", "Santos"),
        ("Oliveira", "Oliveira"),
        ("Souza", "Souza"),
        ("Rodrigues", "Rodrigues"),
        ("Ferreira", "Ferreira"),
        ("Alves", "Alves"),
        ("Pereira", "Pereira"),
        ("Lima", "Lima"),
        ("Gomes", "Gomes"),
        ("Costa", "Costa"),
        ("Ribeiro", "Ribeiro"),
    ],
    fields: &[
        "Tecnologia",
        "Comércio",
        "Serviços",
        "Logística",
        "Engenharia",
        "Sistemas",
        "Transportes",
    ],
    cities: &["Campinas", "Curitiba", "Recife", "Salvador", "Fortaleza"],
    suffixes: &[("Ltda.", 80), ("S.A.", 10), ("EIRELI", 10)],
    brand_style: false,
};

const INDIAN: Words = Words {
    male_first: &["Rahul", "Amit", "Vikram", "Arjun", "Sanjay", "Rohan"],
    female_first: &["Priya", "Anjali", "Neha", "Pooja", "Kavya", "Divya"],
    surnames: &[
        ("Sharma", "Sharma"),
        ("Patel", "Patel"),
        ("Gupta", "Gupta"),
        ("Singh", "Singh"),
        ("Kumar", "Kumar"),
        ("Reddy", "Reddy"),
        ("Iyer", "Iyer"),
        ("Nair", "Nair"),
        ("Mehta", "Mehta"),
        ("Joshi", "Joshi"),
    ],
    fields: INDUSTRIES,
    cities: &["Pune", "Chennai", "Bengaluru", "Hyderabad", "Jaipur"],
    suffixes: &[("Pvt Ltd", 60), ("Private Limited", 30), ("LLP", 10)],
    brand_style: false,
};

const VIETNAMESE: Words = Words {
    male_first: &["Minh", "Tuan", "Hung", "Duc", "Quang", "Nam"],
    female_first: &["Linh", "Huong", "Lan", "Mai", "Thao", "Trang"],
    surnames: &[
        ("Nguyen", "Nguyen"),
        ("Tran", "Tran"),
        ("Le", "Le"),
        ("Pham", "Pham"),
        ("Hoang", "Hoang"),
        ("Phan", "Phan"),
        ("Vu", "Vu"),
        ("Dang", "Dang"),
    ],
    fields: INDUSTRIES,
    cities: &["Hanoi", "Saigon", "Da Nang", "Hai Phong"],
    suffixes: &[("Co., Ltd", 70), ("Joint Stock Company", 30)],
    brand_style: true,
};

const ROMANIAN: Words = Words {
    male_first: &["Andrei", "Mihai", "Alexandru", "Ion", "Florin", "Bogdan"],
    female_first: &["Ioana", "Maria", "Elena", "Andreea", "Cristina", "Alina"],
    surnames: &[
        ("Popescu", "Popescu"),
        ("Ionescu", "Ionescu"),
        ("Popa", "Popa"),
        ("Radu", "Radu"),
        ("Dumitru", "Dumitru"),
        ("Stan", "Stan"),
        ("Stoica", "Stoica"),
        ("Gheorghe", "Gheorghe"),
        ("Matei", "Matei"),
        ("Constantin", "Constantin"),
    ],
    fields: &[
        "Construct",
        "Soft",
        "Trans",
        "Consulting",
        "Distribuție",
        "Tehnologii",
        "Servicii",
    ],
    cities: &["București", "Cluj", "Timișoara", "Iași", "Brașov"],
    suffixes: &[("S.R.L.", 90), ("S.A.", 10)],
    brand_style: false,
};

/// Vietnamese brand-style company names, ASCII as most register them abroad.
const VIETNAMESE_BRANDS: &[&str] = &[
    "Minh Phat",
    "Thanh Cong",
    "Hoang Long",
    "An Phu",
    "Viet Tien",
    "Sao Mai",
    "Dai Nam",
    "Phu Thai",
];

fn words(style: NameStyle) -> &'static Words {
    match style {
        NameStyle::Czech => &CZECH,
        NameStyle::Slovak => &SLOVAK,
        NameStyle::German => &GERMAN,
        NameStyle::Austrian => &AUSTRIAN,
        NameStyle::Polish => &POLISH,
        NameStyle::American => &AMERICAN,
        NameStyle::British => &BRITISH,
        NameStyle::Dutch => &DUTCH,
        NameStyle::French => &FRENCH,
        NameStyle::Nigerian => &NIGERIAN,
        NameStyle::Brazilian => &BRAZILIAN,
        NameStyle::Indian => &INDIAN,
        NameStyle::Vietnamese => &VIETNAMESE,
        NameStyle::Romanian => &ROMANIAN,
    }
}

/// A company name and the words a web domain would be built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName {
    /// The registered name, legal form included.
    pub name: String,
    /// The name without its legal form, as a domain would spell it.
    pub core: String,
}

/// Capitalises the first letter (`van Dijk` → `Van Dijk` at the start of a company name).
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A brand in English: "Blue Harbor", "Contoso".
fn brand(rng: &mut SimRng) -> String {
    if rng::chance(rng, 300) {
        (*rng::pick(rng, FICTIONAL_BRANDS)).to_string()
    } else {
        format!(
            "{} {}",
            rng::pick(rng, BRAND_ADJECTIVES),
            rng::pick(rng, BRAND_NOUNS)
        )
    }
}

/// A company name in the style of its country.
pub fn company(rng: &mut SimRng, style: NameStyle) -> CompanyName {
    let w = words(style);
    let suffix = *rng::pick_weighted(rng, w.suffixes);
    let surname = |rng: &mut SimRng| capitalised(rng::pick(rng, w.surnames).0);
    let roll = rng::between(rng, 0, 99);
    let core = if style == NameStyle::Vietnamese {
        format!(
            "{} {}",
            rng::pick(rng, VIETNAMESE_BRANDS),
            rng::pick(rng, INDUSTRIES)
        )
    } else if w.brand_style {
        match roll {
            0..=39 => brand(rng),
            40..=64 => format!("{} {}", brand(rng), rng::pick(rng, INDUSTRIES)),
            65..=79 => format!(
                "{} {}",
                rng::pick(rng, FICTIONAL_BRANDS),
                rng::pick(rng, INDUSTRIES)
            ),
            80..=89 => format!("{} & {}", surname(rng), surname(rng)),
            _ => format!(
                "{} {}",
                rng::pick(rng, w.cities),
                rng::pick(rng, INDUSTRIES)
            ),
        }
    } else {
        match roll {
            0..=54 => format!("{} {}", surname(rng), rng::pick(rng, w.fields)),
            55..=74 => format!("{} {}", brand(rng), rng::pick(rng, INDUSTRIES)),
            75..=89 => format!("{} {}", rng::pick(rng, w.fields), rng::pick(rng, w.cities)),
            _ => {
                let first = surname(rng);
                let mut second = surname(rng);
                if second == first {
                    second = capitalised(rng::pick::<&str>(rng, w.fields));
                }
                format!("{first} & {second}")
            }
        }
    };
    CompanyName {
        name: format!("{core} {suffix}"),
        core,
    }
}

/// A person's name in the style of a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub first: String,
    pub last: String,
}

/// A person, with the surname in the form that matches the first name (`Jana Nováková`).
pub fn person(rng: &mut SimRng, style: NameStyle) -> Person {
    let w = words(style);
    let female = rng::chance(rng, 450);
    let first = if female {
        rng::pick(rng, w.female_first)
    } else {
        rng::pick(rng, w.male_first)
    };
    let (male_last, female_last) = rng::pick(rng, w.surnames);
    Person {
        first: (*first).to_string(),
        last: (*if female { female_last } else { male_last }).to_string(),
    }
}

/// Lower-case ASCII for a domain or e-mail address: letters transliterated (`ř` → `r`,
/// `ü` → `ue`, `ß` → `ss`), digits kept, everything else dropped.
pub fn ascii_lower(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars().flat_map(char::to_lowercase) {
        match ch {
            'a'..='z' | '0'..='9' => out.push(ch),
            'á' | 'à' | 'â' | 'ã' | 'ă' | 'ą' => out.push('a'),
            'ä' | 'æ' => out.push_str("ae"),
            'č' | 'ć' | 'ç' => out.push('c'),
            'ď' => out.push('d'),
            'é' | 'ě' | 'è' | 'ê' | 'ę' | 'ë' => out.push('e'),
            'í' | 'î' | 'ì' | 'ï' => out.push('i'),
            'ľ' | 'ĺ' | 'ł' => out.push('l'),
            'ň' | 'ń' | 'ñ' => out.push('n'),
            'ó' | 'ô' | 'õ' | 'ò' => out.push('o'),
            'ö' | 'ø' => out.push_str("oe"),
            'ř' | 'ŕ' => out.push('r'),
            'š' | 'ś' | 'ș' | 'ş' => out.push('s'),
            'ß' => out.push_str("ss"),
            'ť' | 'ț' | 'ţ' => out.push('t'),
            'ú' | 'ů' | 'ù' | 'û' => out.push('u'),
            'ü' => out.push_str("ue"),
            'ý' | 'ÿ' => out.push('y'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            _ => {}
        }
    }
    out
}

/// The label of a domain built from a company's name: words in ASCII, joined by hyphens or
/// run together (`novak-stavby`, `blueharbor`).
pub fn domain_label(rng: &mut SimRng, core: &str) -> String {
    let words: Vec<String> = core
        .split([' ', '&', '-', ','])
        .map(ascii_lower)
        .filter(|w| !w.is_empty())
        .collect();
    let separator = if rng::chance(rng, 550) { "-" } else { "" };
    let label = words.join(separator);
    if label.is_empty() {
        "company".to_string()
    } else {
        label
    }
}

/// The local part of a person's e-mail address.
pub fn email_local(rng: &mut SimRng, person: &Person) -> String {
    let first = ascii_lower(&person.first);
    let last = ascii_lower(&person.last);
    match rng::between(rng, 0, 9) {
        0..=5 => format!("{first}.{last}"),
        6..=7 => format!("{}{last}", first.chars().next().unwrap_or('x')),
        8 => first,
        _ => format!("{first}{last}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_lower_transliterates() {
        assert_eq!(ascii_lower("Dvořák Účetnictví"), "dvorakucetnictvi");
        assert_eq!(ascii_lower("Müller & Söhne"), "muellersoehne");
        assert_eq!(ascii_lower("Łódź"), "lodz");
        assert_eq!(ascii_lower("Timișoara"), "timisoara");
    }

    #[test]
    fn companies_carry_their_legal_form() {
        let mut rng = rng::book_rng(1);
        for _ in 0..100 {
            let company = company(&mut rng, NameStyle::Czech);
            assert!(
                company.name.ends_with("s.r.o.")
                    || company.name.ends_with("a.s.")
                    || company.name.ends_with("v.o.s."),
                "{}",
                company.name
            );
            let label = domain_label(&mut rng, &company.core);
            assert!(
                label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{label}"
            );
        }
    }
}
