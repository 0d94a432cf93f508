//! RFC 4180 CSV of a report's rows: a header row of [`Row::COLUMNS`], then a line per row
//! with the same values as the JSON (null as an empty field), CRLF line ends, fields
//! quoted when they hold a comma, a quote, CR or LF.

use serde_json::Value;

use super::dto::Row;

/// The media type of the CSV answers.
pub const TEXT_CSV: &str = "text/csv; charset=utf-8";

fn field(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The CSV document of `rows`.
pub fn write<R: Row>(rows: &[R]) -> String {
    let mut out = R::COLUMNS.join(",");
    out.push_str("\r\n");
    for row in rows {
        let value = serde_json::to_value(row).unwrap_or(Value::Null);
        let line: Vec<String> = R::COLUMNS.iter().map(|c| field(value.get(c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::dto::*;
    use super::*;

    /// Every row type's columns are exactly its JSON fields, so the CSV cannot leave one
    /// out or name one the JSON lacks.
    fn columns_match<R: Row>(row: R) {
        let value = serde_json::to_value(&row).expect("serializes");
        let mut keys: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
        let mut columns = R::COLUMNS.to_vec();
        keys.sort_unstable();
        columns.sort_unstable();
        assert_eq!(keys, columns);
    }

    #[test]
    fn columns_are_the_json_fields() {
        columns_match(SlaRowBody::default());
        columns_match(ResponseTimesRowBody::default());
        columns_match(VolumeRowBody::default());
        columns_match(CsatRowBody::default());
        columns_match(AgentRowBody::default());
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let row = SlaRowBody {
            group_key: "7".into(),
            group_name: "Gold, \"24/7\"".into(),
            target: "resolution".into(),
            met: 39,
            breached: 1,
            compliance_percent: Some(97.5),
        };
        let none = SlaRowBody {
            compliance_percent: None,
            group_name: "two\nlines".into(),
            ..SlaRowBody {
                group_key: "7".into(),
                target: "resolution".into(),
                met: 39,
                breached: 1,
                ..SlaRowBody::default()
            }
        };
        assert_eq!(
            write(&[row, none]),
            "group_key,group_name,target,met,breached,compliance_percent\r\n\
             7,\"Gold, \"\"24/7\"\"\",resolution,39,1,97.5\r\n\
             7,\"two\nlines\",resolution,39,1,\r\n"
        );
    }
}
