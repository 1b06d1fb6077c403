//! What the simulated customers buy: the Azure meters their resources burn and the seat-based
//! licences they subscribe to, with list prices in USD micro-units.

use crate::rng::{self, SimRng};

/// A virtual machine size, as `AdditionalInfo` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmSize {
    /// `ServiceType`, for example `Standard_D2s_v3`.
    pub service_type: &'static str,
    pub vcpus: u32,
}

/// An Azure meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meter {
    pub category: &'static str,
    pub sub_category: &'static str,
    pub name: &'static str,
    pub meter_type: &'static str,
    pub unit: &'static str,
    /// The resource provider, canonical case (`Microsoft.Compute`).
    pub service: &'static str,
    pub product_name: &'static str,
    pub sku_name: &'static str,
    pub product_id: &'static str,
    pub sku_id: &'static str,
    /// List price per unit, in USD micro-units.
    pub usd_price_micros: i64,
    pub vm: Option<VmSize>,
    /// Bandwidth is metered by zone, not by region.
    pub zone_metered: bool,
}

/// Builds a virtual machine compute meter.
const fn vm(
    sub_category: &'static str,
    name: &'static str,
    product_id: &'static str,
    service_type: &'static str,
    vcpus: u32,
    usd_price_micros: i64,
) -> Meter {
    Meter {
        category: "Virtual Machines",
        sub_category,
        name,
        meter_type: "1 Compute Hour",
        unit: "1 Hour",
        service: "Microsoft.Compute",
        product_name: sub_category,
        sku_name: name,
        product_id,
        sku_id: "0001",
        usd_price_micros,
        vm: Some(VmSize {
            service_type,
            vcpus,
        }),
        zone_metered: false,
    }
}

/// Builds any other meter.
#[allow(clippy::too_many_arguments)]
const fn meter(
    category: &'static str,
    sub_category: &'static str,
    name: &'static str,
    unit: &'static str,
    service: &'static str,
    product_id: &'static str,
    usd_price_micros: i64,
    zone_metered: bool,
) -> Meter {
    Meter {
        category,
        sub_category,
        name,
        meter_type: unit,
        unit,
        service,
        product_name: sub_category,
        sku_name: name,
        product_id,
        sku_id: "0002",
        usd_price_micros,
        vm: None,
        zone_metered,
    }
}

pub const VM_B2S: Meter = vm(
    "Virtual Machines BS Series",
    "B2s",
    "DZH318Z0BQ4W",
    "Standard_B2s",
    2,
    41_600,
);
pub const VM_B2MS: Meter = vm(
    "Virtual Machines BS Series",
    "B2ms",
    "DZH318Z0BQ4W",
    "Standard_B2ms",
    2,
    83_200,
);
pub const VM_D2S_V3: Meter = vm(
    "Virtual Machines DSv3 Series",
    "D2s v3",
    "DZH318Z0BQ5Q",
    "Standard_D2s_v3",
    2,
    96_000,
);
pub const VM_D4S_V3: Meter = vm(
    "Virtual Machines DSv3 Series",
    "D4s v3",
    "DZH318Z0BQ5Q",
    "Standard_D4s_v3",
    4,
    192_000,
);
pub const VM_D8S_V3: Meter = vm(
    "Virtual Machines DSv3 Series",
    "D8s v3",
    "DZH318Z0BQ5Q",
    "Standard_D8s_v3",
    8,
    384_000,
);
pub const VM_D16S_V3: Meter = vm(
    "Virtual Machines DSv3 Series",
    "D16s v3",
    "DZH318Z0BQ5Q",
    "Standard_D16s_v3",
    16,
    768_000,
);
pub const VM_E4S_V5: Meter = vm(
    "Virtual Machines Esv5 Series",
    "E4s v5",
    "DZH318Z08M22",
    "Standard_E4s_v5",
    4,
    252_000,
);
pub const VM_F16S_V2: Meter = vm(
    "Virtual Machines FSv2 Series",
    "F16s v2",
    "DZH318Z0BQ6Z",
    "Standard_F16s_v2",
    16,
    677_000,
);
/// A GPU size: rare in ordinary books, common in crypto-mining.
pub const VM_NC6S_V3: Meter = vm(
    "Virtual Machines NCSv3 Series",
    "NC6s v3",
    "DZH318Z0BQ7B",
    "Standard_NC6s_v3",
    6,
    3_060_000,
);

pub const DISK_P10: Meter = meter(
    "Storage",
    "Premium SSD Managed Disks",
    "P10 LRS Disk",
    "1/Month",
    "Microsoft.Compute",
    "DZH318Z0BP04",
    19_710_000,
    false,
);
pub const DISK_E10: Meter = meter(
    "Storage",
    "Standard SSD Managed Disks",
    "E10 LRS Disk",
    "1/Month",
    "Microsoft.Compute",
    "DZH318Z0BP0B",
    9_600_000,
    false,
);
pub const BLOB_DATA_STORED: Meter = meter(
    "Storage",
    "General Block Blob v2",
    "Hot LRS Data Stored",
    "1 GB/Month",
    "Microsoft.Storage",
    "DZH318Z0BNVX",
    18_400,
    false,
);
pub const BLOB_READ_OPERATIONS: Meter = meter(
    "Storage",
    "General Block Blob v2",
    "Hot Read Operations",
    "10K",
    "Microsoft.Storage",
    "DZH318Z0BNVX",
    4_400,
    false,
);
pub const BLOB_WRITE_OPERATIONS: Meter = meter(
    "Storage",
    "General Block Blob v2",
    "Hot Write Operations",
    "10K",
    "Microsoft.Storage",
    "DZH318Z0BNVX",
    55_000,
    false,
);
pub const TABLE_OPERATIONS: Meter = meter(
    "Storage",
    "Tables",
    "Batch Write Operations",
    "100K",
    "Microsoft.Storage",
    "DZH318Z0BNW3",
    36_000,
    false,
);
pub const DATA_TRANSFER_OUT: Meter = meter(
    "Bandwidth",
    "Rtn Preference: MGN",
    "Standard Data Transfer Out",
    "1 GB",
    "Microsoft.Compute",
    "DZH318Z0BNVD",
    87_000,
    true,
);
pub const APP_SERVICE_B1: Meter = meter(
    "Azure App Service",
    "Azure App Service Basic Plan",
    "B1 App",
    "1 Hour",
    "Microsoft.Web",
    "DZH318Z0BNZH",
    75_000,
    false,
);
pub const APP_SERVICE_P1V3: Meter = meter(
    "Azure App Service",
    "Azure App Service Premium v3 Plan",
    "P1 v3 App",
    "1 Hour",
    "Microsoft.Web",
    "DZH318Z0BNZJ",
    240_000,
    false,
);
pub const SQL_VCORE: Meter = meter(
    "SQL Database",
    "Single/Elastic Pool General Purpose - Compute Gen5",
    "vCore",
    "1 Hour",
    "Microsoft.Sql",
    "DZH318Z0BQPS",
    252_300,
    false,
);
pub const SQL_DATA_STORED: Meter = meter(
    "SQL Database",
    "Single/Elastic Pool General Purpose - Storage",
    "General Purpose Data Stored",
    "1 GB/Month",
    "Microsoft.Sql",
    "DZH318Z0BQPS",
    115_000,
    false,
);
pub const PUBLIC_IP: Meter = meter(
    "Virtual Network",
    "IP Addresses",
    "Standard IPv4 Static Public IP",
    "1 Hour",
    "Microsoft.Network",
    "DZH318Z0BNXX",
    5_000,
    false,
);

/// Every meter, in a fixed order: a meter's position seeds its `MeterId`.
pub const ALL_METERS: &[&Meter] = &[
    &VM_B2S,
    &VM_B2MS,
    &VM_D2S_V3,
    &VM_D4S_V3,
    &VM_D8S_V3,
    &VM_D16S_V3,
    &VM_E4S_V5,
    &VM_F16S_V2,
    &VM_NC6S_V3,
    &DISK_P10,
    &DISK_E10,
    &BLOB_DATA_STORED,
    &BLOB_READ_OPERATIONS,
    &BLOB_WRITE_OPERATIONS,
    &TABLE_OPERATIONS,
    &DATA_TRANSFER_OUT,
    &APP_SERVICE_B1,
    &APP_SERVICE_P1V3,
    &SQL_VCORE,
    &SQL_DATA_STORED,
    &PUBLIC_IP,
];

/// Sizes of ordinary business virtual machines, by weight; GPUs are rare.
pub const ORDINARY_VM_SIZES: &[(Meter, u32)] = &[
    (VM_B2S, 20),
    (VM_B2MS, 15),
    (VM_D2S_V3, 30),
    (VM_D4S_V3, 20),
    (VM_E4S_V5, 8),
    (VM_D8S_V3, 5),
    (VM_NC6S_V3, 2),
];

/// Sizes crypto-miners deploy, by weight.
pub const MINING_VM_SIZES: &[(Meter, u32)] =
    &[(VM_NC6S_V3, 50), (VM_F16S_V2, 30), (VM_D16S_V3, 20)];

/// The `MeterId` of a meter in a region: a GUID fixed for the pair, independent of the seed.
pub fn meter_id(meter: &Meter, region_idx: usize) -> String {
    let meter_idx = ALL_METERS
        .iter()
        .position(|m| *m == meter)
        .unwrap_or(ALL_METERS.len());
    let mut rng = rng::catalogue_rng(((meter_idx as u64) << 8) | region_idx as u64);
    rng::guid(&mut rng)
}

/// A seat-based licence product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Licence {
    pub product: &'static str,
    pub sku: &'static str,
    pub product_id: &'static str,
    pub sku_id: &'static str,
    pub availability_id: &'static str,
    /// List price per seat and month, in USD micro-units.
    pub usd_price_micros: i64,
    /// `ProductQualifiers` in the invoice reconciliation file.
    pub qualifiers: &'static str,
    pub weight: u32,
}

/// The licences customers subscribe to.
pub const LICENCES: &[Licence] = &[
    Licence {
        product: "Microsoft 365 Business Basic",
        sku: "Microsoft 365 Business Basic",
        product_id: "CFQ7TTC0LH18",
        sku_id: "0001",
        availability_id: "CFQ7TTC0K5DM",
        usd_price_micros: 6_000_000,
        qualifiers: "[]",
        weight: 30,
    },
    Licence {
        product: "Microsoft 365 Business Standard",
        sku: "Microsoft 365 Business Standard",
        product_id: "CFQ7TTC0LDPB",
        sku_id: "0001",
        availability_id: "CFQ7TTC0K5BF",
        usd_price_micros: 12_500_000,
        qualifiers: "[]",
        weight: 25,
    },
    Licence {
        product: "Microsoft 365 Business Premium",
        sku: "Microsoft 365 Business Premium",
        product_id: "CFQ7TTC0LCHC",
        sku_id: "0002",
        availability_id: "CFQ7TTC0KDKL",
        usd_price_micros: 22_000_000,
        qualifiers: "[]",
        weight: 15,
    },
    Licence {
        product: "Microsoft 365 E3",
        sku: "Microsoft 365 E3",
        product_id: "CFQ7TTC0LFLZ",
        sku_id: "0002",
        availability_id: "CFQ7TTC0KF8P",
        usd_price_micros: 36_000_000,
        qualifiers: "[]",
        weight: 8,
    },
    Licence {
        product: "Exchange Online (Plan 1)",
        sku: "Exchange Online (Plan 1)",
        product_id: "CFQ7TTC0LH16",
        sku_id: "0001",
        availability_id: "CFQ7TTC0K4Z2",
        usd_price_micros: 4_000_000,
        qualifiers: "[]",
        weight: 15,
    },
    Licence {
        product: "Microsoft Teams Essentials",
        sku: "Microsoft Teams Essentials",
        product_id: "CFQ7TTC0RL16",
        sku_id: "0001",
        availability_id: "CFQ7TTC0RK0Q",
        usd_price_micros: 4_000_000,
        qualifiers: "[]",
        weight: 7,
    },
    Licence {
        product: "Microsoft Defender for Office 365 (Plan 1)",
        sku: "Microsoft Defender for Office 365 (Plan 1)",
        product_id: "CFQ7TTC0LG7H",
        sku_id: "0001",
        availability_id: "CFQ7TTC0K7B5",
        usd_price_micros: 2_000_000,
        qualifiers: "[\"Add-on\"]",
        weight: 5,
    },
];

/// The Azure plan, as Partner Center names it.
pub const AZURE_PLAN_PRODUCT: &str = "Azure plan";
pub const AZURE_PLAN_SKU: &str = "Microsoft Azure plan";
pub const AZURE_PLAN_PRODUCT_ID: &str = "DZH318Z0BCZ5";
pub const AZURE_PLAN_AVAILABILITY_ID: &str = "DZH318Z0BPS6";

/// Picks distinct licences, by weight.
pub fn pick_licences(rng: &mut SimRng, count: usize) -> Vec<&'static Licence> {
    let mut chosen: Vec<&'static Licence> = Vec::new();
    let mut attempts = 0;
    while chosen.len() < count.min(LICENCES.len()) && attempts < 100 {
        attempts += 1;
        let total: u32 = LICENCES.iter().map(|l| l.weight).sum();
        let mut ticket = rng::between(rng, 0, i64::from(total) - 1) as u32;
        for licence in LICENCES {
            if ticket < licence.weight {
                if !chosen.iter().any(|c| c.product == licence.product) {
                    chosen.push(licence);
                }
                break;
            }
            ticket -= licence.weight;
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meter_ids_are_stable_and_distinct() {
        assert_eq!(meter_id(&VM_D2S_V3, 0), meter_id(&VM_D2S_V3, 0));
        assert_ne!(meter_id(&VM_D2S_V3, 0), meter_id(&VM_D2S_V3, 1));
        assert_ne!(meter_id(&VM_D2S_V3, 0), meter_id(&VM_D4S_V3, 0));
    }

    #[test]
    fn licences_are_distinct() {
        let mut rng = rng::book_rng(9);
        for _ in 0..50 {
            let chosen = pick_licences(&mut rng, 3);
            assert_eq!(chosen.len(), 3);
            assert_ne!(chosen[0].product, chosen[1].product);
            assert_ne!(chosen[1].product, chosen[2].product);
            assert_ne!(chosen[0].product, chosen[2].product);
        }
    }
}
