//! The words the server-drawn pictures (network graph, route map) show — kinds of entity,
//! properties, modes of transport — in the reader's language. The web layer answers from its
//! catalogues; the data, and so the API and the files, keep the stable internal names.

/// Names for the reader of what the model calls by internal names.
pub trait Words {
    /// The name of a schema (`Person`, `Trip`…).
    fn schema(&self, schema: &str) -> String;
    /// The name of a property of a schema (`owner` of `UserAccount`, `startLocation` of `Trip`).
    fn property(&self, schema: &str, prop: &str) -> String;
    /// The name of a mode of transport (`land`, `sea`, `air`, `river`).
    fn mode(&self, mode: &str) -> String;
    /// What to call a place a route leg names but the reader may not see (or that is missing).
    fn unknown_place(&self) -> String;
    /// What to call an entity: its caption, unless the caption is only its schema (what
    /// [`enlace_domain::ftm::caption`] falls back to when nothing better exists).
    fn caption(&self, schema: &str, caption: &str) -> String {
        if caption == schema {
            self.schema(schema)
        } else {
            caption.to_string()
        }
    }
}

/// The internal names themselves, for tools that are not pages (benchmarks, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct InternalNames;

impl Words for InternalNames {
    fn schema(&self, schema: &str) -> String {
        schema.to_string()
    }
    fn property(&self, _schema: &str, prop: &str) -> String {
        prop.to_string()
    }
    fn mode(&self, mode: &str) -> String {
        mode.to_string()
    }
    fn unknown_place(&self) -> String {
        "?".to_string()
    }
}
