//! HTML pages for people with a browser: profiles and the instance's front page.

pub mod pages;
pub mod profile;
pub mod status;

use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The frame every page shares. Styles are inline: one request per page, and no
/// third-party assets on school networks.
pub fn layout(title: &str, domain: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (domain) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { a href="/" { "Staffroom" } " · " (domain) }
                main { (body) }
                footer { "Staffroom — a home for teachers in the fediverse." }
            }
        }
    }
}

pub fn html_response(markup: Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(markup.into_string())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:42rem;margin:0 auto;padding:1rem;line-height:1.5;color:#1d2330}\
header{font-weight:600;margin-bottom:1.5rem}header a{color:inherit;text-decoration:none}\
footer{margin-top:3rem;color:#667;font-size:.9rem}.handle{color:#556;font-family:ui-monospace,monospace}\
.note{border-left:3px solid #cbd;padding-left:1rem}ul.people{list-style:none;padding:0}ul.people li{margin:.4rem 0}";
