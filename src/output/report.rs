//! `Report`: what a command hands to the printer. Its `--json` form is its
//! `Serialize` shape (documented in the README); `human` and `quiet` write
//! through `Human`, and `Printer::report` alone picks which of the three.

use serde::Serialize;

use super::Printer;

/// A command's result, in each of the three forms.
pub trait Report: Serialize {
    /// For people: result lines on stdout, notes and warnings on stderr.
    fn human(&self, out: &mut Human<'_>);

    /// `-q`: what a script needs. By default the human form, whose notes
    /// `-q` silences (results and warnings stay).
    fn quiet(&self, out: &mut Human<'_>) {
        self.human(out);
    }
}

/// Where a report writes its human and quiet forms.
pub struct Human<'a> {
    printer: &'a Printer,
}

impl<'a> Human<'a> {
    pub(super) fn new(printer: &'a Printer) -> Self {
        Human { printer }
    }

    /// The printer, for tables and colours.
    pub fn printer(&self) -> &'a Printer {
        self.printer
    }

    /// A line of result on stdout.
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.printer.line(text);
    }

    /// A note on stderr (silenced by `-q`).
    pub fn note(&mut self, text: impl AsRef<str>) {
        self.printer.note(text);
    }

    /// A warning on stderr, shown even with `-q`.
    pub fn warn(&mut self, text: impl AsRef<str>) {
        self.printer.warn(text);
    }
}

/// A report made of a serializable value and a closure for its human form,
/// for commands whose JSON is an ad-hoc shape.
pub struct Shaped<T, F> {
    pub json: T,
    pub human: F,
}

impl<T: Serialize, F> Serialize for Shaped<T, F> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<T: Serialize, F: Fn(&mut Human<'_>)> Report for Shaped<T, F> {
    fn human(&self, out: &mut Human<'_>) {
        (self.human)(out);
    }
}

/// `Shaped` with its own `-q` form.
pub struct ShapedQuiet<T, F, Q> {
    pub json: T,
    pub human: F,
    pub quiet: Q,
}

impl<T: Serialize, F, Q> Serialize for ShapedQuiet<T, F, Q> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(s)
    }
}

impl<T, F, Q> Report for ShapedQuiet<T, F, Q>
where
    T: Serialize,
    F: Fn(&mut Human<'_>),
    Q: Fn(&mut Human<'_>),
{
    fn human(&self, out: &mut Human<'_>) {
        (self.human)(out);
    }

    fn quiet(&self, out: &mut Human<'_>) {
        (self.quiet)(out);
    }
}
