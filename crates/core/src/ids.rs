//! Typed ids: a student's id cannot be passed where a course's is expected.
//!
//! Every id is text on the wire and in the database (`TEXT` columns, JSON strings, URL
//! segments); inside the program it is one of these types, so the compiler checks what
//! the old `&str` parameters left to the reader. Anki's `define_newtype!` is the model.
//! The types carry no validation: an id is whatever the course file or the database
//! says it is, and lookups answer "not found" for ids that do not exist.

macro_rules! define_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_string())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

define_id!(
    /// An account: a student, teacher, guardian or admin (the role is on the account).
    UserId
);
define_id!(
    /// A class: a group of students and teachers following one course.
    ClassId
);
define_id!(
    /// A course, as its file declares it (`id = "fractions-ratios-6"`).
    CourseId
);
define_id!(
    /// A skill of a course.
    SkillId
);
define_id!(
    /// An item (a question) of a course.
    ItemId
);
define_id!(
    /// A student's goal.
    GoalId
);
define_id!(
    /// A teacher's pin or hide on an activity.
    OverrideId
);
define_id!(
    /// A stored learner event.
    EventId
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn an_id_is_its_text_on_the_wire_and_in_a_map() {
        let id = SkillId::new("ratio-language");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"ratio-language\"");
        let back: SkillId = serde_json::from_str("\"ratio-language\"").unwrap();
        assert_eq!(back, id);
        let mut map = HashMap::new();
        map.insert(id.clone(), 1);
        assert_eq!(map.get("ratio-language"), Some(&1));
        assert_eq!(id.to_string(), "ratio-language");
    }
}
