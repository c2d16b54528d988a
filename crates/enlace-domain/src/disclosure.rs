//! The one disclosure policy: what may be said about a record the caller cannot see.
//!
//! For such a record the answer per country is hit or no hit, an opaque reference, the
//! owner's focal point and at most a coarse band. Nothing else: no per-feature numbers, no
//! list of what matched, no exact score, no internal id, no count that includes it. Checks
//! and any other answer about hidden records go through here.
use serde::Serialize;

/// How strongly a hidden record matched: the only grading a caller gets of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Strong,
    Possible,
}

/// A match score at or above this is a strong hit.
pub const STRONG_FROM: f64 = 0.85;

impl Band {
    pub fn of(score: f64) -> Band {
        if score >= STRONG_FROM {
            Band::Strong
        } else {
            Band::Possible
        }
    }
    /// The fixed score a hidden hit carries in place of its own (it must not vary with the
    /// hidden values).
    pub fn score(self) -> f64 {
        match self {
            Band::Strong => 0.9,
            Band::Possible => 0.6,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Strong => "strong",
            Band::Possible => "possible",
        }
    }
}

/// What the caller learns of one hit, decided once for visible and hidden records alike.
#[derive(Debug, Clone, PartialEq)]
pub struct HitDisclosure {
    pub band: Band,
    /// The score shown: the real one for a record the caller may see, the band's otherwise.
    pub score: f64,
    /// Whether the explanation (features, contributions, wording) may be shown.
    pub explain: bool,
}

/// The disclosure of a hit with `score` on a record the caller may (`visible`) or may not see.
pub fn hit(score: f64, visible: bool) -> HitDisclosure {
    let band = Band::of(score);
    if visible {
        HitDisclosure {
            band,
            score: (score * 100.0).round() / 100.0,
            explain: true,
        }
    } else {
        HitDisclosure {
            band,
            score: band.score(),
            explain: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_hits_carry_only_the_band() {
        let a = hit(0.87, false);
        let b = hit(0.99, false);
        assert_eq!(a, b, "two strong hidden hits are indistinguishable");
        assert_eq!(a.score, 0.9);
        assert!(!a.explain);
        assert_eq!(hit(0.61, false), hit(0.70, false));
        assert_eq!(hit(0.61, false).score, 0.6);
    }

    #[test]
    fn visible_hits_keep_their_score_and_explanation() {
        let v = hit(0.873, true);
        assert_eq!(v.score, 0.87);
        assert!(v.explain);
        assert_eq!(v.band, Band::Strong);
    }
}
