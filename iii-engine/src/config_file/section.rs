//! [`Section`]: one mapping of a config file, read key by key with the path of each key, so
//! that a bad value names where it is and every key nobody read is reported as ignored.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ConfigFileError;

/// A mapping being read; `path` is where it sits (`workers[2].config`).
pub(super) struct Section {
    path: String,
    map: Map<String, Value>,
}

impl Section {
    /// The mapping at `path`; `null` (or nothing) reads as an empty one.
    pub(super) fn new(path: impl Into<String>, value: Value) -> Result<Self, ConfigFileError> {
        let path = path.into();
        match value {
            Value::Null => Ok(Self {
                path,
                map: Map::new(),
            }),
            Value::Object(map) => Ok(Self { path, map }),
            other => Err(ConfigFileError::Value {
                path,
                message: format!("expected a mapping, found {}", kind(&other)),
            }),
        }
    }

    /// Where this mapping sits.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The path of `key` in this mapping.
    pub(super) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The keys not taken yet, in key order.
    pub(super) fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }

    /// Takes `key` as it is.
    pub(super) fn take_raw(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// Takes `key` as a `T`; `null` is none. A string is also read as the scalar it spells
    /// (`"3111"` as a number), since substitution inside quotes makes strings.
    pub(super) fn take<T: DeserializeOwned>(
        &mut self,
        key: &str,
    ) -> Result<Option<T>, ConfigFileError> {
        let Some(value) = self.map.remove(key).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        match serde_json::from_value::<T>(value.clone()) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                let spelled = value
                    .as_str()
                    .and_then(|s| serde_json::from_str::<Value>(s.trim()).ok())
                    .and_then(|v| serde_json::from_value::<T>(v).ok());
                spelled.map(Some).ok_or_else(|| ConfigFileError::Value {
                    path: self.key_path(key),
                    message: format!("{e} (found {value})"),
                })
            }
        }
    }

    /// Takes `key` as a nested mapping.
    pub(super) fn take_section(&mut self, key: &str) -> Result<Option<Self>, ConfigFileError> {
        let path = self.key_path(key);
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => Self::new(path, value).map(Some),
        }
    }

    /// Reports `key` (when there) as ignored, and why.
    pub(super) fn ignore(&mut self, key: &str, why: &str, notes: &mut Vec<String>) {
        if self.map.remove(key).is_some() {
            notes.push(format!("{}: ignored: {why}", self.key_path(key)));
        }
    }

    /// Reports every key nobody took as ignored.
    pub(super) fn finish(self, what: &str, notes: &mut Vec<String>) {
        for key in self.map.keys() {
            notes.push(format!(
                "{}: ignored: not a setting iii-engine reads for {what}",
                self.key_path(key)
            ));
        }
    }
}

/// The kind of a value, for error messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
