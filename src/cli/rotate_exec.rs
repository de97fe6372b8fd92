//! `rotate --exec CMD`: rotate and deliver, one key at a time (see
//! `keyadm::ops::rotation`): each new value goes to the hook on its stdin;
//! a key whose hook fails has its rotation undone. The other keys go on;
//! the command exits non-zero at the end.

use crate::output::table::GridCell as Cell;

use super::hook::run_hook;
use serde::Serialize;

use super::Context;
use crate::output::time::TimeFormat;
use crate::output::{Human, Report};
use keyadm::ops::rotation::{self, Delivery, Selection};
use keyadm::ops::{settings, Session};
use keyadm::Result;

pub fn run(
    ctx: &mut Context,
    session: &mut Session,
    selection: &Selection,
    cmd: &str,
    grace: Option<u64>,
) -> Result<()> {
    let report = rotation::rotate_and_deliver(session, selection, grace, |rotated| {
        let k = &rotated.key;
        let mut stdin = zeroize::Zeroizing::new(rotated.value.expose().as_bytes().to_vec());
        stdin.push(b'\n');
        run_hook(
            cmd,
            &[
                ("KEYADM_KEY_ID", &k.id),
                ("KEYADM_KEY_NAME", &k.name),
                ("KEYADM_KEY_ORG", &k.org),
                ("KEYADM_KEY_TENANT", &k.tenant),
            ],
            Some(&stdin),
        )
    })?;
    let tf = ctx.time_format(&settings::list(session)?);
    ctx.printer.report(&Delivered {
        deliveries: &report.deliveries,
        due: selection.is_due(),
        tf: &tf,
    });
    report.failure().map_or(Ok(()), Err)
}

/// Each key's delivery (no value: the hook had it); `-q` prints nothing.
#[derive(Serialize)]
#[serde(transparent)]
struct Delivered<'a> {
    deliveries: &'a [Delivery],
    #[serde(skip)]
    due: bool,
    #[serde(skip)]
    tf: &'a TimeFormat,
}

impl Report for Delivered<'_> {
    fn quiet(&self, _: &mut Human<'_>) {}

    fn human(&self, p: &mut Human<'_>) {
        let out = self.deliveries;
        if out.is_empty() {
            // No delivery: none failed, so this is the command's last word.
            if self.due {
                p.note("rotate --due: no key is due.");
            }
            return;
        }
        let mut t = p
            .printer()
            .table(&["ID", "NAME", "KEY", "OLD VALUE WORKS UNTIL", "DELIVERED"]);
        for d in out {
            t.add_row(vec![
                Cell::new(&d.id),
                Cell::new(&d.name),
                Cell::new(&d.key),
                Cell::new(match (d.delivered, d.previous_valid_until) {
                    (false, _) => "-".to_string(),
                    (true, Some(t)) => self.tf.show(t),
                    (true, None) => "ended now".to_string(),
                }),
                Cell::new(match &d.error {
                    None => "yes".to_string(),
                    Some(e) => format!("no: {e}"),
                }),
            ]);
        }
        p.line(t.to_string());
    }
}
