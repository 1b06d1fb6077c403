//! Where customers sit: countries with their currency, VAT rate, registry number formats and
//! phone plans, and the Azure regions their resources run in.

use tollgate_domain::customer::Language;
use tollgate_domain::money::Currency;

use crate::rng::{self, SimRng};

/// An Azure region: the `ResourceLocation` and the `MeterRegion` display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub location: &'static str,
    pub meter_region: &'static str,
}

macro_rules! regions {
    ($($name:ident = $location:literal, $meter:literal;)+) => {
        $(pub const $name: Region = Region { location: $location, meter_region: $meter };)+
        /// Every region the simulator knows.
        pub const ALL_REGIONS: &[Region] = &[$($name),+];
    };
}

regions! {
    WEST_EUROPE = "westeurope", "EU West";
    NORTH_EUROPE = "northeurope", "EU North";
    GERMANY_WEST_CENTRAL = "germanywestcentral", "DE West Central";
    FRANCE_CENTRAL = "francecentral", "FR Central";
    UK_SOUTH = "uksouth", "UK South";
    POLAND_CENTRAL = "polandcentral", "PL Central";
    SWEDEN_CENTRAL = "swedencentral", "SE Central";
    EAST_US = "eastus", "US East";
    EAST_US_2 = "eastus2", "US East 2";
    WEST_US_2 = "westus2", "US West 2";
    CENTRAL_US = "centralus", "US Central";
    BRAZIL_SOUTH = "brazilsouth", "BR South";
    SOUTHEAST_ASIA = "southeastasia", "AP Southeast";
    EAST_ASIA = "eastasia", "AP East";
    CENTRAL_INDIA = "centralindia", "IN Central";
    JAPAN_EAST = "japaneast", "JA East";
    SOUTH_AFRICA_NORTH = "southafricanorth", "ZA North";
    AUSTRALIA_EAST = "australiaeast", "AU East";
}

const CENTRAL_EUROPE: &[(Region, u32)] = &[
    (WEST_EUROPE, 50),
    (NORTH_EUROPE, 20),
    (GERMANY_WEST_CENTRAL, 20),
    (POLAND_CENTRAL, 10),
];
const GERMANY: &[(Region, u32)] = &[
    (GERMANY_WEST_CENTRAL, 50),
    (WEST_EUROPE, 40),
    (NORTH_EUROPE, 10),
];
const BRITAIN: &[(Region, u32)] = &[(UK_SOUTH, 60), (WEST_EUROPE, 25), (NORTH_EUROPE, 15)];
const NETHERLANDS: &[(Region, u32)] = &[(WEST_EUROPE, 80), (NORTH_EUROPE, 20)];
const FRANCE: &[(Region, u32)] = &[(FRANCE_CENTRAL, 60), (WEST_EUROPE, 40)];
const AMERICA: &[(Region, u32)] = &[
    (EAST_US, 40),
    (EAST_US_2, 20),
    (WEST_US_2, 25),
    (CENTRAL_US, 15),
];
const BRAZIL: &[(Region, u32)] = &[(BRAZIL_SOUTH, 70), (EAST_US, 30)];
const INDIA: &[(Region, u32)] = &[(CENTRAL_INDIA, 70), (SOUTHEAST_ASIA, 30)];
const VIETNAM: &[(Region, u32)] = &[(SOUTHEAST_ASIA, 80), (EAST_ASIA, 20)];
const NIGERIA: &[(Region, u32)] = &[
    (WEST_EUROPE, 40),
    (SOUTH_AFRICA_NORTH, 40),
    (NORTH_EUROPE, 20),
];

/// The naming conventions of a country: which word lists and legal forms its companies use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStyle {
    Czech,
    Slovak,
    German,
    Austrian,
    Polish,
    American,
    British,
    Dutch,
    French,
    Nigerian,
    Brazilian,
    Indian,
    Vietnamese,
    Romanian,
}

/// A country customers come from.
#[derive(Debug)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    /// Relative share of customers.
    pub weight: u32,
    pub currency: Currency,
    /// VAT on the partner's invoices, in percent.
    pub tax_percent: i64,
    /// Domain suffixes, without the dot.
    pub tlds: &'static [&'static str],
    pub phone_prefix: &'static str,
    pub style: NameStyle,
    pub language: Language,
    pub regions: &'static [(Region, u32)],
    /// Markets the provider's guidance counts as at high risk of online fraud.
    pub emerging: bool,
}

macro_rules! country {
    ($code:literal, $weight:literal, $currency:expr, $tax:literal, $tlds:expr, $phone:literal,
     $style:ident, $language:ident, $regions:expr, $emerging:literal) => {
        Country {
            code: $code,
            weight: $weight,
            currency: $currency,
            tax_percent: $tax,
            tlds: $tlds,
            phone_prefix: $phone,
            style: NameStyle::$style,
            language: Language::$language,
            regions: $regions,
            emerging: $emerging,
        }
    };
}

/// Every country, with its weight: mostly Central Europe, some of the rest of the world.
pub static COUNTRIES: &[Country] = &[
    country!(
        "CZ",
        30,
        Currency::CZK,
        21,
        &["cz"],
        "+420",
        Czech,
        Czech,
        CENTRAL_EUROPE,
        false
    ),
    country!(
        "SK",
        8,
        Currency::EUR,
        20,
        &["sk"],
        "+421",
        Slovak,
        Czech,
        CENTRAL_EUROPE,
        false
    ),
    country!(
        "DE",
        12,
        Currency::EUR,
        19,
        &["de"],
        "+49",
        German,
        English,
        GERMANY,
        false
    ),
    country!(
        "AT",
        5,
        Currency::EUR,
        20,
        &["at"],
        "+43",
        Austrian,
        English,
        GERMANY,
        false
    ),
    country!(
        "PL",
        6,
        Currency::USD,
        0,
        &["pl"],
        "+48",
        Polish,
        English,
        CENTRAL_EUROPE,
        false
    ),
    country!(
        "US",
        11,
        Currency::USD,
        0,
        &["com", "io"],
        "+1",
        American,
        English,
        AMERICA,
        false
    ),
    country!(
        "GB",
        7,
        Currency::USD,
        20,
        &["co.uk"],
        "+44",
        British,
        English,
        BRITAIN,
        false
    ),
    country!(
        "NL",
        4,
        Currency::EUR,
        0,
        &["nl"],
        "+31",
        Dutch,
        English,
        NETHERLANDS,
        false
    ),
    country!(
        "FR",
        4,
        Currency::EUR,
        0,
        &["fr"],
        "+33",
        French,
        English,
        FRANCE,
        false
    ),
    country!(
        "NG",
        2,
        Currency::USD,
        0,
        &["com.ng", "ng"],
        "+234",
        Nigerian,
        English,
        NIGERIA,
        true
    ),
    country!(
        "BR",
        2,
        Currency::USD,
        0,
        &["com.br"],
        "+55",
        Brazilian,
        English,
        BRAZIL,
        true
    ),
    country!(
        "IN",
        3,
        Currency::USD,
        0,
        &["in", "co.in"],
        "+91",
        Indian,
        English,
        INDIA,
        true
    ),
    country!(
        "VN",
        2,
        Currency::USD,
        0,
        &["vn", "com.vn"],
        "+84",
        Vietnamese,
        English,
        VIETNAM,
        true
    ),
    country!(
        "RO",
        4,
        Currency::USD,
        0,
        &["ro"],
        "+40",
        Romanian,
        English,
        CENTRAL_EUROPE,
        true
    ),
];

/// A country drawn by weight.
pub fn pick_country(rng: &mut SimRng) -> &'static Country {
    let total: u32 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut ticket = rng::between(rng, 0, i64::from(total) - 1) as u32;
    for country in COUNTRIES {
        if ticket < country.weight {
            return country;
        }
        ticket -= country.weight;
    }
    &COUNTRIES[0]
}

/// The customer's home region, drawn from the country's usual regions.
pub fn home_region(rng: &mut SimRng, country: &Country) -> Region {
    *rng::pick_weighted(rng, country.regions)
}

/// A region far from the customer's usual ones, as abuse tends to pick.
pub fn distant_region(rng: &mut SimRng, country: &Country) -> Region {
    let distant: Vec<Region> = ALL_REGIONS
        .iter()
        .copied()
        .filter(|region| !country.regions.iter().any(|(usual, _)| usual == region))
        .collect();
    if distant.is_empty() {
        WEST_EUROPE
    } else {
        *rng::pick(rng, &distant)
    }
}

/// The provider's price list currency is USD; these are the rates (micro-units of the billing
/// currency per US dollar) the simulated partner bills at.
pub fn usd_rate_micros(currency: Currency) -> i64 {
    match currency.as_str() {
        "EUR" => 920_000,
        "CZK" => 23_450_000,
        _ => 1_000_000,
    }
}

/// The check digit of a Czech (and Slovak) IČO: weights 8..2 over the first seven digits,
/// then `(11 − sum mod 11) mod 10`.
pub fn ico_check_digit(first_seven: &[u8; 7]) -> u8 {
    let sum: u32 = first_seven
        .iter()
        .zip((2..=8).rev())
        .map(|(digit, weight)| u32::from(*digit) * weight)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

/// Whether eight digits form a valid IČO.
#[cfg(test)]
pub fn is_valid_ico(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut first_seven = [0u8; 7];
    for (slot, byte) in first_seven.iter_mut().zip(bytes) {
        *slot = byte - b'0';
    }
    ico_check_digit(&first_seven) == bytes[7] - b'0'
}

/// A random valid IČO.
fn ico(rng: &mut SimRng) -> String {
    let mut first_seven = [0u8; 7];
    first_seven[0] = *rng::pick(rng, &[0u8, 2, 2, 2, 4, 6, 7]);
    for slot in first_seven.iter_mut().skip(1) {
        *slot = rng::between(rng, 0, 9) as u8;
    }
    let check = ico_check_digit(&first_seven);
    first_seven
        .iter()
        .chain(std::iter::once(&check))
        .map(|d| char::from(b'0' + d))
        .collect()
}

/// A registration number and VAT id in the country's usual forms.
pub fn registration(rng: &mut SimRng, country: &Country) -> (Option<String>, Option<String>) {
    let d = rng::digits;
    match country.code {
        "CZ" => {
            let number = ico(rng);
            let vat = format!("CZ{number}");
            (Some(number), Some(vat))
        }
        "SK" => {
            let number = ico(rng);
            (Some(number), Some(format!("SK20{}", d(rng, 8))))
        }
        "DE" => (
            Some(format!("HRB {}", rng::between(rng, 10_000, 299_999))),
            Some(format!("DE{}", rng::between(rng, 100_000_000, 999_999_999))),
        ),
        "AT" => {
            let letter = char::from(b'a' + rng::between(rng, 0, 25) as u8);
            (
                Some(format!(
                    "FN {}{letter}",
                    rng::between(rng, 100_000, 599_999)
                )),
                Some(format!("ATU{}", rng::between(rng, 10_000_000, 79_999_999))),
            )
        }
        "PL" => (
            Some(format!("0000{}", d(rng, 6))),
            Some(format!(
                "PL{}",
                rng::between(rng, 1_000_000_000, 9_999_999_999)
            )),
        ),
        "GB" => (
            Some(format!("{:08}", rng::between(rng, 1_000_000, 15_999_999))),
            Some(format!("GB{}", rng::between(rng, 100_000_000, 999_999_999))),
        ),
        "NL" => (
            Some(format!("{}", rng::between(rng, 10_000_000, 99_999_999))),
            Some(format!(
                "NL{}B01",
                rng::between(rng, 100_000_000, 999_999_999)
            )),
        ),
        "FR" => {
            let siren = rng::between(rng, 300_000_000, 999_999_999);
            (
                Some(format!(
                    "{} {:03} {:03}",
                    siren / 1_000_000,
                    siren / 1000 % 1000,
                    siren % 1000
                )),
                Some(format!("FR{:02}{siren}", rng::between(rng, 10, 99))),
            )
        }
        "US" => (
            Some(format!(
                "{:02}-{}",
                rng::between(rng, 10, 98),
                rng::between(rng, 1_000_000, 9_999_999)
            )),
            None,
        ),
        "NG" => (
            Some(format!("RC {}", rng::between(rng, 100_000, 1_999_999))),
            None,
        ),
        "BR" => (
            Some(format!(
                "{}.{}.{}/0001-{}",
                d(rng, 2),
                d(rng, 3),
                d(rng, 3),
                d(rng, 2)
            )),
            None,
        ),
        "IN" => (
            Some(format!(
                "U{}{}{}PTC{}",
                rng::pick(rng, &["72200", "72900", "74999", "51909"]),
                rng::pick(rng, &["MH", "KA", "DL", "TN", "TG"]),
                rng::between(rng, 2005, 2024),
                d(rng, 6)
            )),
            None,
        ),
        "VN" => (Some(format!("0{}", d(rng, 9))), None),
        "RO" => {
            let cui = rng::between(rng, 10_000_000, 49_999_999);
            (
                Some(format!(
                    "J40/{}/{}",
                    rng::between(rng, 100, 29_999),
                    rng::between(rng, 2005, 2024)
                )),
                Some(format!("RO{cui}")),
            )
        }
        _ => (None, None),
    }
}

/// A phone number in international form with the country's usual grouping.
pub fn phone(rng: &mut SimRng, country: &Country) -> String {
    let d = rng::digits;
    let prefix = country.phone_prefix;
    match country.code {
        "CZ" | "SK" => format!(
            "{prefix} {}{} {} {}",
            rng::pick(rng, &["60", "70", "72", "73", "77", "90", "91"]),
            d(rng, 1),
            d(rng, 3),
            d(rng, 3)
        ),
        "US" => format!(
            "{prefix} {} {} {}",
            rng::between(rng, 201, 989),
            rng::between(rng, 200, 999),
            d(rng, 4)
        ),
        "GB" => format!("{prefix} 7{} {}", d(rng, 3), d(rng, 6)),
        "DE" => format!(
            "{prefix} {} {}",
            rng::pick(rng, &["151", "152", "160", "170", "171", "176"]),
            d(rng, 7)
        ),
        "AT" => format!(
            "{prefix} {} {}",
            rng::pick(rng, &["650", "660", "664", "676", "699"]),
            d(rng, 7)
        ),
        _ => format!(
            "{prefix} {}{} {} {}",
            rng::between(rng, 1, 9),
            d(rng, 2),
            d(rng, 3),
            d(rng, 3)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ico_check_digits_match_real_numbers() {
        // Real IČOs: the City of Prague and Komerční banka.
        assert!(is_valid_ico("00064581"));
        assert!(is_valid_ico("45317054"));
        assert!(!is_valid_ico("45317055"));
        let mut rng = rng::book_rng(11);
        for _ in 0..200 {
            let (number, vat) = registration(&mut rng, &COUNTRIES[0]);
            let number = number.unwrap();
            assert!(is_valid_ico(&number), "{number}");
            assert_eq!(vat.unwrap(), format!("CZ{number}"));
        }
    }

    #[test]
    fn every_country_has_regions_and_a_distinct_code() {
        let mut codes: Vec<&str> = COUNTRIES.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), COUNTRIES.len());
        assert!(COUNTRIES.iter().all(|c| !c.regions.is_empty()));
        let mut rng = rng::book_rng(5);
        for country in COUNTRIES {
            let far = distant_region(&mut rng, country);
            assert!(!country.regions.iter().any(|(r, _)| *r == far));
        }
    }
}
