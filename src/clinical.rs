//! Clinical context: the guideline pre-test likelihood of obstructive coronary artery disease
//! from what the clinician types (age, sex, symptoms, risk factors), under the two European
//! Society of Cardiology models, exactly as published. Nothing here reads an ECG or a model
//! file; how a likelihood and an ECG stratum combine is the model file's business
//! ([`crate::model::metadata::ClinicalContextRule`]).
//!
//! - **ESC 2019** ([`Guideline::Esc2019`]): Knuuti J, Wijns W, Saraste A, et al. 2019 ESC
//!   Guidelines for the diagnosis and management of chronic coronary syndromes. *Eur Heart J*
//!   2020;41:407–477, doi:10.1093/eurheartj/ehz425, **Table 5** (pre-test probabilities of
//!   obstructive CAD in symptomatic patients by age, sex and the nature of symptoms). Its
//!   section 3.1.3 reads the table in three bands: under 5 % (testing only for compelling
//!   reasons), 5–15 % (testing may be considered) and over 15 % (testing most beneficial).
//! - **ESC 2024** ([`Guideline::Esc2024`]): Vrints C, Andreotti F, Koskinas KC, et al. 2024 ESC
//!   Guidelines for the management of chronic coronary syndromes. *Eur Heart J*
//!   2024;45:3415–3537, doi:10.1093/eurheartj/ehae177, **Figure 4**, the risk-factor-weighted
//!   clinical likelihood (RF-CL): age band × sex × symptom score (typical chest pain 3,
//!   atypical 2, non-anginal 1, dyspnoea 2; the highest counts; 0–1 share a column) × risk
//!   factors (family history of premature CAD, smoking, dyslipidaemia, hypertension, diabetes;
//!   0–1, 2–3, 4–5), with the categories very low ≤ 5 %, low > 5–15 %, moderate > 15–50 %,
//!   high > 50–85 %, very high > 85 %. The table itself reaches 45 % at most; the higher
//!   categories come from clinical modifiers and calcium scoring, which are not modelled here.
//!
//! Inputs outside a table (under 30 years; over 80 for ESC 2024; no symptom for ESC 2019,
//! which is for symptomatic patients) get a [`OutOfRange`] saying so, never an extrapolation.

use std::fmt;

/// The guideline model a likelihood comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Guideline {
    /// ESC 2019, Table 5.
    #[serde(rename = "esc2019")]
    Esc2019,
    /// ESC 2024, Figure 4 (RF-CL).
    #[serde(rename = "esc2024")]
    Esc2024,
}

impl Guideline {
    /// Both, oldest first.
    pub const ALL: [Guideline; 2] = [Guideline::Esc2019, Guideline::Esc2024];

    /// `esc2019` or `esc2024`, as files and columns name it.
    pub fn key(self) -> &'static str {
        match self {
            Guideline::Esc2019 => "esc2019",
            Guideline::Esc2024 => "esc2024",
        }
    }

    /// In words, with its source.
    pub fn title(self) -> &'static str {
        match self {
            Guideline::Esc2019 => "ESC 2019 pre-test probability (Table 5)",
            Guideline::Esc2024 => "ESC 2024 risk-factor-weighted clinical likelihood (Figure 4)",
        }
    }

    /// Its categories, lowest first.
    pub fn categories(self) -> &'static [Category] {
        match self {
            Guideline::Esc2019 => &[Category::Under5, Category::From5To15, Category::Over15],
            Guideline::Esc2024 => &[
                Category::VeryLow,
                Category::Low,
                Category::Moderate,
                Category::High,
                Category::VeryHigh,
            ],
        }
    }

    /// The category of a likelihood in percent, by this guideline's bands.
    pub fn category(self, percent: f64) -> Category {
        match self {
            Guideline::Esc2019 if percent < 5.0 => Category::Under5,
            Guideline::Esc2019 if percent <= 15.0 => Category::From5To15,
            Guideline::Esc2019 => Category::Over15,
            Guideline::Esc2024 if percent <= 5.0 => Category::VeryLow,
            Guideline::Esc2024 if percent <= 15.0 => Category::Low,
            Guideline::Esc2024 if percent <= 50.0 => Category::Moderate,
            Guideline::Esc2024 if percent <= 85.0 => Category::High,
            Guideline::Esc2024 => Category::VeryHigh,
        }
    }

    /// The grey zone: the category in which the guideline leaves testing open (ESC 2019: 5–15 %,
    /// "testing may be considered"; ESC 2024: low, "calcium scoring or CCTA may be considered").
    pub fn grey_zone(self) -> Category {
        match self {
            Guideline::Esc2019 => Category::From5To15,
            Guideline::Esc2024 => Category::Low,
        }
    }

    /// The guideline a key names.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.key() == key)
    }
}

/// A likelihood category of one of the guidelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// ESC 2019: under 5 %.
    #[serde(rename = "under_5")]
    Under5,
    /// ESC 2019: 5–15 %.
    #[serde(rename = "5_to_15")]
    From5To15,
    /// ESC 2019: over 15 %.
    #[serde(rename = "over_15")]
    Over15,
    /// ESC 2024: ≤ 5 %.
    VeryLow,
    /// ESC 2024: > 5–15 %.
    Low,
    /// ESC 2024: > 15–50 %.
    Moderate,
    /// ESC 2024: > 50–85 %.
    High,
    /// ESC 2024: > 85 %.
    VeryHigh,
}

impl Category {
    /// The guideline whose category this is.
    pub fn guideline(self) -> Guideline {
        match self {
            Category::Under5 | Category::From5To15 | Category::Over15 => Guideline::Esc2019,
            _ => Guideline::Esc2024,
        }
    }

    /// Its place among its guideline's categories, 0 for the lowest.
    pub fn rank(self) -> usize {
        let all = self.guideline().categories();
        all.iter().position(|&c| c == self).unwrap_or(0)
    }

    /// The key files and columns use (`very_low`, `5_to_15` …).
    pub fn key(self) -> &'static str {
        match self {
            Category::Under5 => "under_5",
            Category::From5To15 => "5_to_15",
            Category::Over15 => "over_15",
            Category::VeryLow => "very_low",
            Category::Low => "low",
            Category::Moderate => "moderate",
            Category::High => "high",
            Category::VeryHigh => "very_high",
        }
    }

    /// In words, with its band.
    pub fn words(self) -> &'static str {
        match self {
            Category::Under5 => "under 5 %",
            Category::From5To15 => "5–15 %",
            Category::Over15 => "over 15 %",
            Category::VeryLow => "very low (≤ 5 %)",
            Category::Low => "low (> 5–15 %)",
            Category::Moderate => "moderate (> 15–50 %)",
            Category::High => "high (> 50–85 %)",
            Category::VeryHigh => "very high (> 85 %)",
        }
    }

    /// The category of `guideline` a key names.
    pub fn from_key(guideline: Guideline, key: &str) -> Option<Self> {
        guideline
            .categories()
            .iter()
            .copied()
            .find(|c| c.key() == key)
    }
}

/// Sex, as the tables are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

/// The nature of the chest pain (ESC definitions: typical when it meets all three of
/// constricting discomfort, precipitated by exertion or stress, relieved by rest or nitrates
/// within minutes; atypical two; non-anginal one or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChestPain {
    /// No chest pain.
    None,
    /// Non-anginal.
    NonAnginal,
    /// Atypical.
    Atypical,
    /// Typical.
    Typical,
}

/// What the clinician typed for one patient.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClinicalContext {
    /// Age in years.
    pub age_years: f64,
    /// Sex.
    pub sex: Sex,
    /// Chest pain.
    pub chest_pain: ChestPain,
    /// Dyspnoea (as the only or the main symptom for ESC 2019).
    pub dyspnoea: bool,
    /// Risk factors, 0 to 5 (ESC 2024 only).
    pub risk_factors: u8,
}

/// A likelihood under one guideline.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Likelihood {
    /// The guideline.
    pub guideline: Guideline,
    /// The table's cell, in percent.
    pub percent: f64,
    /// Its category.
    pub category: Category,
}

/// Why a guideline's table has no cell for a patient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{guideline}: {reason}")]
pub struct OutOfRange {
    /// The guideline, in words.
    pub guideline: &'static str,
    /// What is outside the table.
    pub reason: String,
}

impl fmt::Display for Guideline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Guideline::Esc2019 => "ESC 2019",
            Guideline::Esc2024 => "ESC 2024",
        })
    }
}

/// ESC 2019 Table 5, in percent: `[age band][symptom][sex]`, age bands 30–39, 40–49, 50–59,
/// 60–69, ≥ 70; symptoms typical, atypical, non-anginal, dyspnoea; sex male, female.
pub const ESC2019_TABLE5: [[[u8; 2]; 4]; 5] = [
    [[3, 5], [4, 3], [1, 1], [0, 3]],
    [[22, 10], [10, 6], [3, 2], [12, 3]],
    [[32, 13], [17, 6], [11, 3], [20, 9]],
    [[44, 16], [26, 11], [22, 6], [27, 14]],
    [[52, 27], [34, 19], [24, 10], [32, 12]],
];

/// ESC 2024 Figure 4 (RF-CL), in percent: `[sex][symptom score group][risk factor
/// group][age band]`, sex female, male; symptom score 0–1, 2, 3; risk factors 0–1, 2–3, 4–5;
/// age bands 30–39, 40–49, 50–59, 60–69, 70–80.
pub const ESC2024_FIGURE4: [[[[u8; 5]; 3]; 3]; 2] = [
    [
        [[0, 1, 1, 2, 4], [1, 1, 2, 4, 7], [2, 3, 5, 7, 11]],
        [[0, 1, 2, 3, 6], [1, 2, 3, 6, 10], [3, 5, 7, 11, 16]],
        [[2, 4, 6, 10, 16], [5, 7, 10, 14, 19], [10, 12, 15, 19, 23]],
    ],
    [
        [[1, 2, 4, 8, 15], [2, 4, 7, 12, 19], [5, 8, 12, 17, 24]],
        [[2, 3, 6, 12, 22], [4, 6, 11, 17, 27], [8, 12, 17, 25, 34]],
        [
            [9, 14, 21, 32, 44],
            [14, 20, 27, 35, 44],
            [22, 27, 33, 39, 45],
        ],
    ],
];

impl ClinicalContext {
    /// The ESC 2024 symptom score: typical chest pain 3, atypical 2, non-anginal 1, dyspnoea
    /// 2; the highest applies.
    pub fn symptom_score(&self) -> u8 {
        let pain = match self.chest_pain {
            ChestPain::None => 0,
            ChestPain::NonAnginal => 1,
            ChestPain::Atypical => 2,
            ChestPain::Typical => 3,
        };
        pain.max(if self.dyspnoea { 2 } else { 0 })
    }

    /// The likelihood under `guideline`, or why its table has no cell for this patient.
    pub fn likelihood(&self, guideline: Guideline) -> Result<Likelihood, OutOfRange> {
        let out = |reason: String| OutOfRange {
            guideline: match guideline {
                Guideline::Esc2019 => "ESC 2019",
                Guideline::Esc2024 => "ESC 2024",
            },
            reason,
        };
        let age = self.age_years;
        if age < 30.0 {
            return Err(out(format!(
                "age {age} is below the table's range (30 years and over); no likelihood is extrapolated"
            )));
        }
        let sex = usize::from(self.sex == Sex::Male);
        let band = ((age.floor() as usize).min(79) - 30) / 10;
        let percent = match guideline {
            Guideline::Esc2019 => {
                let symptom = match (self.chest_pain, self.dyspnoea) {
                    (ChestPain::Typical, _) => 0,
                    (ChestPain::Atypical, _) => 1,
                    (ChestPain::NonAnginal, _) => 2,
                    (ChestPain::None, true) => 3,
                    (ChestPain::None, false) => {
                        return Err(out(
                            "the table is for symptomatic patients (chest pain or dyspnoea); none was given"
                                .into(),
                        ));
                    }
                };
                ESC2019_TABLE5[band.min(4)][symptom][1 - sex]
            }
            Guideline::Esc2024 => {
                if age >= 81.0 {
                    return Err(out(format!(
                        "age {age} is above the table's range (30 to 80 years); no likelihood is extrapolated"
                    )));
                }
                if self.risk_factors > 5 {
                    return Err(out(format!(
                        "{} risk factors: the model counts five at most",
                        self.risk_factors
                    )));
                }
                let score = match self.symptom_score() {
                    0 | 1 => 0,
                    2 => 1,
                    _ => 2,
                };
                let factors = usize::from(self.risk_factors / 2).min(2);
                ESC2024_FIGURE4[sex][score][factors][band.min(4)]
            }
        };
        let percent = f64::from(percent);
        Ok(Likelihood {
            guideline,
            percent,
            category: guideline.category(percent),
        })
    }
}

/// A clinical context cannot be read, and which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ContextError {
    /// The field (`age`, `sex`, `symptoms`, `risk_factors`).
    pub field: &'static str,
    /// What is wrong, quoting at most 40 characters of the user's text.
    pub message: String,
}

fn shorten(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The five ESC 2024 risk factors, as a context file may name them.
pub const RISK_FACTORS: [&str; 5] = [
    "family_history",
    "smoking",
    "dyslipidaemia",
    "hypertension",
    "diabetes",
];

impl ClinicalContext {
    /// Reads the four fields as a context file or the page's form writes them (README,
    /// "Clinical context"): `age` in years (0 to 130), `sex` (`female`/`f`, `male`/`m`),
    /// `symptoms` (one of `typical`, `atypical`, `non-anginal`, `none`, and/or `dyspnoea`,
    /// joined by `+`), `risk_factors` (a count 0–5, or their names joined by `+`, or empty for
    /// none). Case and spaces around values do not matter.
    pub fn parse(
        age: &str,
        sex: &str,
        symptoms: &str,
        risk_factors: &str,
    ) -> Result<Self, ContextError> {
        let fail = |field, message| Err(ContextError { field, message });
        let age = age.trim();
        let age_years = match age.parse::<f64>() {
            Ok(years) if (0.0..=130.0).contains(&years) => years,
            _ if age.is_empty() => return fail("age", "missing".into()),
            _ => {
                return fail(
                    "age",
                    format!("'{}' is not an age in years (0 to 130)", shorten(age)),
                );
            }
        };
        let sex = match sex.trim().to_ascii_lowercase().as_str() {
            "female" | "f" => Sex::Female,
            "male" | "m" => Sex::Male,
            "" => return fail("sex", "missing (female or male)".into()),
            other => {
                return fail("sex", format!("'{}' is not female or male", shorten(other)));
            }
        };
        let (chest_pain, dyspnoea) = parse_symptoms(symptoms)?;
        let risk_factors = parse_risk_factors(risk_factors)?;
        Ok(Self {
            age_years,
            sex,
            chest_pain,
            dyspnoea,
            risk_factors,
        })
    }
}

fn parse_symptoms(text: &str) -> Result<(ChestPain, bool), ContextError> {
    let fail = |message: String| {
        Err(ContextError {
            field: "symptoms",
            message,
        })
    };
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() {
        return fail(
            "missing (typical, atypical, non-anginal or none, and/or dyspnoea, joined by +)".into(),
        );
    }
    let mut pain: Option<ChestPain> = None;
    let mut dyspnoea = false;
    for token in text.split('+').map(str::trim) {
        let found = match token {
            "typical" => ChestPain::Typical,
            "atypical" => ChestPain::Atypical,
            "non-anginal" | "nonanginal" | "non anginal" => ChestPain::NonAnginal,
            "none" => ChestPain::None,
            "dyspnoea" | "dyspnea" => {
                dyspnoea = true;
                continue;
            }
            other => {
                return fail(format!(
                    "'{}' is not typical, atypical, non-anginal, none or dyspnoea",
                    shorten(other)
                ));
            }
        };
        if pain.replace(found).is_some() {
            return fail(format!(
                "'{}' names more than one kind of chest pain",
                shorten(&text)
            ));
        }
    }
    let pain = pain.unwrap_or(ChestPain::None);
    if pain == ChestPain::None && dyspnoea && text.contains("none") {
        return fail("'none' with dyspnoea: write 'dyspnoea' alone".into());
    }
    Ok((pain, dyspnoea))
}

fn parse_risk_factors(text: &str) -> Result<u8, ContextError> {
    let fail = |message: String| {
        Err(ContextError {
            field: "risk_factors",
            message,
        })
    };
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() || text == "none" {
        return Ok(0);
    }
    if let Ok(n) = text.parse::<u8>() {
        return match n {
            0..=5 => Ok(n),
            _ => fail(format!(
                "{n}: the ESC 2024 model counts five risk factors at most"
            )),
        };
    }
    let mut named = [false; 5];
    for token in text.split('+').map(str::trim) {
        let token = match token {
            "dyslipidemia" => "dyslipidaemia",
            "family history" | "family-history" => "family_history",
            t => t,
        };
        match RISK_FACTORS.iter().position(|&f| f == token) {
            Some(i) if named[i] => {
                return fail(format!("'{}' is named twice", shorten(token)));
            }
            Some(i) => named[i] = true,
            None => {
                return fail(format!(
                    "'{}' is neither a count (0 to 5) nor one of {}",
                    shorten(token),
                    RISK_FACTORS.join(", ")
                ));
            }
        }
    }
    Ok(named.iter().filter(|&&n| n).count() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patient(age: f64, sex: Sex, pain: ChestPain, dyspnoea: bool, rf: u8) -> ClinicalContext {
        ClinicalContext {
            age_years: age,
            sex,
            chest_pain: pain,
            dyspnoea,
            risk_factors: rf,
        }
    }

    /// Every cell of ESC 2019 Table 5, written out row by row as the guideline prints it
    /// (age band; typical M, F; atypical M, F; non-anginal M, F; dyspnoea M, F), reached
    /// through `likelihood` at the band's first and last year.
    #[test]
    fn esc2019_every_cell_of_table_5() {
        let printed: [(f64, f64, [f64; 8]); 5] = [
            (30.0, 39.9, [3.0, 5.0, 4.0, 3.0, 1.0, 1.0, 0.0, 3.0]),
            (40.0, 49.0, [22.0, 10.0, 10.0, 6.0, 3.0, 2.0, 12.0, 3.0]),
            (50.0, 59.0, [32.0, 13.0, 17.0, 6.0, 11.0, 3.0, 20.0, 9.0]),
            (60.0, 69.0, [44.0, 16.0, 26.0, 11.0, 22.0, 6.0, 27.0, 14.0]),
            (70.0, 99.0, [52.0, 27.0, 34.0, 19.0, 24.0, 10.0, 32.0, 12.0]),
        ];
        let columns = [
            (ChestPain::Typical, false),
            (ChestPain::Atypical, false),
            (ChestPain::NonAnginal, false),
            (ChestPain::None, true),
        ];
        for (first, last, cells) in printed {
            for (c, &(pain, dyspnoea)) in columns.iter().enumerate() {
                for (s, sex) in [Sex::Male, Sex::Female].into_iter().enumerate() {
                    for age in [first, last] {
                        let l = patient(age, sex, pain, dyspnoea, 0)
                            .likelihood(Guideline::Esc2019)
                            .unwrap();
                        assert_eq!(l.percent, cells[2 * c + s], "{age} {sex:?} {pain:?}");
                    }
                }
            }
        }
    }

    /// Every cell of ESC 2024 Figure 4, as printed: per sex and symptom score group, one row
    /// per risk-factor group with the five age bands.
    #[test]
    fn esc2024_every_cell_of_figure_4() {
        // (sex, a patient with that symptom score group, [[rf 0–1], [rf 2–3], [rf 4–5]])
        let printed = [
            (
                Sex::Female,
                (ChestPain::NonAnginal, false),
                [[0, 1, 1, 2, 4], [1, 1, 2, 4, 7], [2, 3, 5, 7, 11]],
            ),
            (
                Sex::Female,
                (ChestPain::Atypical, false),
                [[0, 1, 2, 3, 6], [1, 2, 3, 6, 10], [3, 5, 7, 11, 16]],
            ),
            (
                Sex::Female,
                (ChestPain::Typical, false),
                [[2, 4, 6, 10, 16], [5, 7, 10, 14, 19], [10, 12, 15, 19, 23]],
            ),
            (
                Sex::Male,
                (ChestPain::None, false),
                [[1, 2, 4, 8, 15], [2, 4, 7, 12, 19], [5, 8, 12, 17, 24]],
            ),
            (
                Sex::Male,
                (ChestPain::None, true),
                [[2, 3, 6, 12, 22], [4, 6, 11, 17, 27], [8, 12, 17, 25, 34]],
            ),
            (
                Sex::Male,
                (ChestPain::Typical, true),
                [
                    [9, 14, 21, 32, 44],
                    [14, 20, 27, 35, 44],
                    [22, 27, 33, 39, 45],
                ],
            ),
        ];
        let bands = [
            (30.0, 39.0),
            (40.0, 49.5),
            (50.0, 59.0),
            (60.0, 69.0),
            (70.0, 80.9),
        ];
        for (sex, (pain, dyspnoea), rows) in printed {
            for (g, row) in rows.iter().enumerate() {
                for rf in [2 * g as u8, 2 * g as u8 + 1] {
                    for (b, &(first, last)) in bands.iter().enumerate() {
                        for age in [first, last] {
                            let l = patient(age, sex, pain, dyspnoea, rf)
                                .likelihood(Guideline::Esc2024)
                                .unwrap();
                            assert_eq!(
                                l.percent,
                                f64::from(row[b]),
                                "{sex:?} {pain:?} rf {rf} age {age}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// Worked by hand from the printed tables:
    /// - a 58-year-old man with atypical chest pain: ESC 2019 row 50–59, atypical, male → 17 %
    ///   (over 15 %); ESC 2024 score 2 with two risk factors (hypertension, smoking), row
    ///   50–59 → 11 %, low.
    /// - a 45-year-old woman with non-anginal pain and dyspnoea, no risk factor: ESC 2019 uses
    ///   the chest-pain column (non-anginal, female, 40–49) → 2 %, under 5 %; ESC 2024 takes the
    ///   higher score (dyspnoea 2 over non-anginal 1) → female, score 2, 0–1 risk factors,
    ///   40–49 → 1 %, very low.
    /// - a 72-year-old man with typical angina and four risk factors: ESC 2019 row ≥ 70,
    ///   typical, male → 52 % (over 15 %); ESC 2024 male, score 3, 4–5 risk factors, 70–80 →
    ///   45 %, moderate (the table's highest cell).
    #[test]
    fn worked_examples() {
        let man = ClinicalContext::parse("58", "M", "atypical", "hypertension+smoking").unwrap();
        assert_eq!(man.likelihood(Guideline::Esc2019).unwrap().percent, 17.0);
        assert_eq!(
            man.likelihood(Guideline::Esc2019).unwrap().category,
            Category::Over15
        );
        let l = man.likelihood(Guideline::Esc2024).unwrap();
        assert_eq!((l.percent, l.category), (11.0, Category::Low));

        let woman = ClinicalContext::parse("45", "female", "non-anginal+dyspnoea", "0").unwrap();
        assert_eq!(woman.symptom_score(), 2);
        let l = woman.likelihood(Guideline::Esc2019).unwrap();
        assert_eq!((l.percent, l.category), (2.0, Category::Under5));
        let l = woman.likelihood(Guideline::Esc2024).unwrap();
        assert_eq!((l.percent, l.category), (1.0, Category::VeryLow));

        let old = ClinicalContext::parse("72", "male", "typical", "4").unwrap();
        assert_eq!(old.likelihood(Guideline::Esc2019).unwrap().percent, 52.0);
        let l = old.likelihood(Guideline::Esc2024).unwrap();
        assert_eq!((l.percent, l.category), (45.0, Category::Moderate));
    }

    #[test]
    fn category_bands_follow_the_guidelines() {
        let g = Guideline::Esc2019;
        assert_eq!(g.category(4.0), Category::Under5);
        assert_eq!(g.category(5.0), Category::From5To15);
        assert_eq!(g.category(15.0), Category::From5To15);
        assert_eq!(g.category(16.0), Category::Over15);
        let g = Guideline::Esc2024;
        let cases = [
            (5.0, Category::VeryLow),
            (6.0, Category::Low),
            (15.0, Category::Low),
            (16.0, Category::Moderate),
            (50.0, Category::Moderate),
            (51.0, Category::High),
            (85.0, Category::High),
            (86.0, Category::VeryHigh),
        ];
        for (p, c) in cases {
            assert_eq!(g.category(p), c, "{p}");
        }
        assert_eq!(Category::Moderate.rank(), 2);
        assert_eq!(
            Category::from_key(Guideline::Esc2019, "5_to_15"),
            Some(Category::From5To15)
        );
        assert_eq!(Category::from_key(Guideline::Esc2019, "low"), None);
    }

    #[test]
    fn outside_the_tables_is_said_not_extrapolated() {
        let young = ClinicalContext::parse("25", "f", "typical", "").unwrap();
        for g in Guideline::ALL {
            let e = young.likelihood(g).unwrap_err();
            assert!(e.to_string().contains("below the table's range"), "{e}");
        }
        let old = ClinicalContext::parse("85", "m", "typical", "").unwrap();
        assert_eq!(old.likelihood(Guideline::Esc2019).unwrap().percent, 52.0);
        let e = old.likelihood(Guideline::Esc2024).unwrap_err();
        assert!(e.to_string().contains("30 to 80"), "{e}");
        let none = ClinicalContext::parse("50", "m", "none", "").unwrap();
        assert!(
            none.likelihood(Guideline::Esc2019)
                .unwrap_err()
                .reason
                .contains("symptomatic")
        );
        assert_eq!(none.likelihood(Guideline::Esc2024).unwrap().percent, 4.0);
    }

    #[test]
    fn bad_fields_are_named() {
        let cases = [
            (["abc", "m", "typical", ""], "age", "'abc' is not an age"),
            (["", "m", "typical", ""], "age", "missing"),
            (["50", "", "typical", ""], "sex", "missing"),
            (
                ["50", "x", "typical", ""],
                "sex",
                "'x' is not female or male",
            ),
            (["50", "m", "", ""], "symptoms", "missing"),
            (
                ["50", "m", "typical+atypical", ""],
                "symptoms",
                "more than one",
            ),
            (["50", "m", "sharp", ""], "symptoms", "'sharp'"),
            (["50", "m", "typical", "7"], "risk_factors", "five"),
            (
                ["50", "m", "typical", "obesity"],
                "risk_factors",
                "'obesity'",
            ),
            (
                ["50", "m", "typical", "diabetes+diabetes"],
                "risk_factors",
                "twice",
            ),
        ];
        for ([a, s, y, r], field, needle) in cases {
            let e = ClinicalContext::parse(a, s, y, r).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(e.message.contains(needle), "{e}");
        }
        let c =
            ClinicalContext::parse(" 61 ", "Female", "Dyspnea", "Dyslipidemia + smoking").unwrap();
        assert_eq!(
            (c.sex, c.chest_pain, c.dyspnoea, c.risk_factors),
            (Sex::Female, ChestPain::None, true, 2)
        );
    }
}
