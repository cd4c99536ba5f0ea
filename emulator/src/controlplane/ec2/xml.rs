//! The XML of EC2's answers: escaping, a small writer for response bodies, and the envelope of
//! a successful call.

use std::fmt::Write as _;

use super::super::{ControlContext, ControlResponse, Handled};
use super::error::checked;
use super::{Call, Ec2Result};
use crate::scenario::config::{Config, TagConfig};

pub(super) const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

pub(super) const CONTENT_TYPE: &str = "text/xml;charset=UTF-8";

pub(super) use crate::controlplane::markup::xml as escape;

/// Builds the inside of a response element.
#[derive(Default)]
pub(super) struct Xml {
    out: String,
}

impl Xml {
    /// A body that starts with `<return>true</return>`, as most of EC2's changes answer.
    pub(super) fn returned_true() -> Xml {
        let mut x = Xml::default();
        x.bool("return", true);
        x
    }

    pub(super) fn text(&mut self, tag: &str, value: &str) {
        let _ = write!(self.out, "<{tag}>{}</{tag}>", escape(value));
    }

    pub(super) fn opt(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.text(tag, v);
        }
    }

    pub(super) fn bool(&mut self, tag: &str, value: bool) {
        self.text(tag, if value { "true" } else { "false" });
    }

    pub(super) fn int(&mut self, tag: &str, value: impl std::fmt::Display) {
        let _ = write!(self.out, "<{tag}>{value}</{tag}>");
    }

    /// `<tag>`, what `inner` writes, `</tag>`.
    pub(super) fn element(&mut self, tag: &str, inner: impl FnOnce(&mut Xml)) {
        let _ = write!(self.out, "<{tag}>");
        inner(self);
        let _ = write!(self.out, "</{tag}>");
    }

    /// A list: `<tag/>` when empty, else one `<item>` per element.
    pub(super) fn set<T>(&mut self, tag: &str, items: &[T], mut each: impl FnMut(&mut Xml, &T)) {
        if items.is_empty() {
            let _ = write!(self.out, "<{tag}/>");
            return;
        }
        self.element(tag, |x| {
            for item in items {
                x.element("item", |x| each(x, item));
            }
        });
    }

    pub(super) fn strings(&mut self, tag: &str, items: &[String]) {
        self.set(tag, items, |x, s| x.out.push_str(&escape(s)));
    }

    pub(super) fn tags(&mut self, tags: &[TagConfig]) {
        self.set("tagSet", tags, |x, t| {
            x.text("key", &t.key);
            x.text("value", &t.value);
        });
    }
}

pub(super) fn ok_response(action: &str, ctx: &ControlContext, body: &Xml) -> ControlResponse {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\"><requestId>{}</requestId>{}</{action}Response>",
        escape(&ctx.request_id),
        body.out
    );
    ControlResponse::new(200, CONTENT_TYPE, text)
}

/// A read's answer: `action`'s response with `body`.
pub(super) fn answered(c: &Call, action: &str, body: &Xml) -> Ec2Result {
    Ok(Handled::read(ok_response(action, c.ctx, body)))
}

/// A Describe* call's answer: `action`'s response listing `items` in the set `tag`.
pub(super) fn described<T>(
    c: &Call,
    action: &str,
    tag: &str,
    items: &[T],
    each: impl FnMut(&mut Xml, &T),
) -> Ec2Result {
    let mut x = Xml::default();
    x.set(tag, items, each);
    answered(c, action, &x)
}

/// A change's answer: `action`'s response with `body`, and the edited state once it validates.
pub(super) fn written(c: &Call, action: &str, body: &Xml, new_state: Config) -> Ec2Result {
    let (new_state, topology) = checked(new_state)?;
    Ok(Handled::write(
        ok_response(action, c.ctx, body),
        new_state,
        topology,
    ))
}
