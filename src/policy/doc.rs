//! What `relocsim policies` prints: each kind's description, parameters with units and
//! defaults, the mechanisms it uses and a scenario that switches it on.
//!
//! Each kind declares its [`KindDoc`] next to its struct. Its parameters (unit, default,
//! range, source, meaning) are not written here but read from the parameter registry
//! (`crate::params`), which the kind's tables take their defaults from too.

use super::{KINDS, PolicySpec};

/// The shared mechanisms of [`super::Levers`], named for readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    HazardPush,
    CostOrSubsidy,
    LandDiscount,
    TaxHoliday,
    EntryBan,
    DirectedMoves,
    TaxSharing,
    Productivity,
    Amenity,
    PublicServices,
    HukouBarrier,
    MigrationCost,
    CapacityChange,
    CapacityCap,
    FiscalTransfer,
}

impl Mechanism {
    /// One line: what it is and the `Levers` method that writes it.
    pub fn describe(self) -> &'static str {
        use Mechanism::*;
        match self {
            HazardPush => {
                "hazard push: multiplies the yearly chance a firm considers moving (push_hazard)"
            }
            CostOrSubsidy => {
                "cost or subsidy term: a fraction of value added in the location value (add_firm_bonus)"
            }
            LandDiscount => "land discount: a fraction off the land cost firms pay (discount_land)",
            TaxHoliday => "tax holiday for arriving firms, a fiscal rule (grant_tax_holiday)",
            EntryBan => "entry ban: no new firms of a sector in a city (ban_entry)",
            DirectedMoves => {
                "government-directed moves and the origin's resistance (add_directed_hazard)"
            }
            TaxSharing => "tax sharing between origin and destination, a fiscal rule",
            Productivity => {
                "productivity change: output, survival and location value (scale_productivity)"
            }
            Amenity => "amenity change: residents' utility of a city (add_amenity)",
            PublicServices => "public services lifted toward a level (lift_public_services)",
            HukouBarrier => {
                "barrier change: the hukou barrier, for everyone or for the region's own migrants, and hukou grants (scale_hukou_barrier, ease_regional_hukou)"
            }
            MigrationCost => {
                "barrier change: migrants' distance cost and migration rate (ease_migration)"
            }
            CapacityChange => "capacity change: scales a city's housing capacity (scale_capacity)",
            CapacityCap => {
                "capacity cap: arrivals rationed and housing dearer at the cap (cap_capacity)"
            }
            FiscalTransfer => "fiscal transfer into cities' revenue per resident (add_transfer)",
        }
    }
}

/// Everything `relocsim policies KIND` prints about a kind.
#[derive(Clone, Copy, Debug)]
pub struct KindDoc {
    /// The `kind = "..."` tag.
    pub name: &'static str,
    /// Source-essay sections the kind expresses (docs/source-essay.md §7 maps them).
    pub essay: &'static str,
    pub summary: &'static str,
    pub mechanisms: &'static [Mechanism],
    /// A scenario switching the kind on (the shipped `scenarios/<name>.toml`).
    pub example: &'static str,
}

/// The doc of a kind by its tag.
pub fn find(name: &str) -> Option<&'static KindDoc> {
    KINDS.iter().copied().find(|k| k.name == name)
}

/// Every kind with its one-line summary.
pub fn list() -> String {
    let width = KINDS.iter().map(|k| k.name.len()).max().unwrap_or(0);
    let mut out = String::from("Policy kinds (relocsim policies KIND for details):\n");
    for k in KINDS {
        out.push_str(&format!("  {:<width$}  {}\n", k.name, k.summary));
    }
    out
}

/// A kind's defaults as the scenario reader resolves them, by parameter name.
pub fn defaults(name: &str) -> toml::Table {
    let text = format!("kind = {name:?}\nstart = 2020\nend = 2035\n");
    let spec: PolicySpec = toml::from_str(&text).expect("every kind parses with only a window");
    let mut table = toml::Table::try_from(spec).expect("a policy serialises to a table");
    table.remove("start");
    table.remove("end");
    table
}

/// The full description of one kind.
pub fn describe(k: &KindDoc) -> String {
    let mut out = format!(
        "{} (source essay sections {})\n  {}\n\n",
        k.name, k.essay, k.summary
    );
    out.push_str("Parameters (unit; default; valid range) [source]:\n");
    for p in crate::params::of_kind(k.name) {
        out.push_str(&parameter(p));
    }
    out.push_str("\nMechanisms:\n");
    for m in k.mechanisms {
        out.push_str(&format!("  - {}\n", m.describe()));
    }
    out.push_str("\nExample (a scenario `relocsim validate` accepts):\n\n");
    out.push_str(k.example);
    out
}

/// One parameter's lines in a kind's description, from the registry.
fn parameter(p: &crate::params::Param) -> String {
    let range = p.range.map(|r| format!("; {r}")).unwrap_or_default();
    format!(
        "  {} ({}; {}{range}) {}\n      {}\n",
        p.field(),
        p.unit,
        p.default,
        p.tag.label(),
        p.meaning
    )
}
