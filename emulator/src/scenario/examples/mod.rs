//! The API Gateway console's Example API (PetStore): its definition, and an offline stand-in for
//! the demo backend its HTTP integrations call.
//!
//! On AWS the `/pets` methods are HTTP integrations with
//! `http://petstore.execute-api.<region>.amazonaws.com/petstore/pets`, a public demo service that
//! an offline machine cannot reach. The emulator starts [`PetStoreBackend`] on loopback and routes
//! that host name to it, so the integration path (request mapping, a real HTTP call, response
//! mapping) runs as on AWS (decision 8 in the README).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::aws::names::Region;

/// The names the `example` field of a REST API accepts.
pub const EXAMPLES: &[&str] = &["PetStore"];

/// The console's Example API as its Swagger export (with integrations) describes it; the
/// backend host is filled in per Region.
const PETSTORE_DOCUMENT: &str = include_str!("petstore.swagger.json");

/// The host the Example API's HTTP integrations call, for a Region.
pub fn petstore_backend_host(region: &Region) -> String {
    format!("petstore.execute-api.{}.{}", region.name, region.dns_suffix)
}

/// The OpenAPI document of a bundled example API, or `None` for an unknown name. It is
/// imported like any user's definition.
pub fn example_document(name: &str, region: &Region) -> Option<String> {
    (name == "PetStore").then(|| {
        PETSTORE_DOCUMENT
            .replace("@REGION@", &region.name)
            .replace("@DNS_SUFFIX@", region.dns_suffix)
    })
}

/// The offline stand-in for AWS's PetStore demo backend, listening on loopback.
#[derive(Debug)]
pub struct PetStoreBackend {
    addr: SocketAddr,
    _stop: watch::Sender<bool>,
}

impl PetStoreBackend {
    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub async fn start() -> std::io::Result<PetStoreBackend> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        tokio::spawn(async move {
                            let service = hyper::service::service_fn(|req| async move { Ok::<_, Infallible>(answer(req).await) });
                            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tcp), service).await;
                        });
                    }
                }
            }
        });
        Ok(PetStoreBackend { addr, _stop: stop })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

const PAGE_PRICES: [[f64; 3]; 2] = [[249.99, 124.99, 0.99], [999.99, 249.99, 49.97]];
const DEFAULT_TYPES: [&str; 3] = ["dog", "cat", "fish"];

/// The pet with a 1-based id, as the demo backend lists it: three pets a page, types dog, cat,
/// fish unless a type was asked for, prices as AWS's tutorials show them for pages 1 and 2
/// (later pages repeat those two, an inference: AWS does not document them).
fn pet(id: u64, pet_type: Option<&str>) -> serde_json::Value {
    let index = ((id - 1) % 3) as usize;
    let page = ((id - 1) / 3) as usize;
    let price = PAGE_PRICES[page % 2][index];
    serde_json::json!({ "id": id, "type": pet_type.unwrap_or(DEFAULT_TYPES[index]), "price": price })
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Full<Bytes>> {
    let body = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// Express's default 404 page, which the demo backend returns for unknown paths.
fn cannot(method: &str, path: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n"
    );
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

async fn answer(req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query: BTreeMap<String, String> = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| {
            (
                crate::aws::percent::decode(k),
                crate::aws::percent::decode(v),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let trimmed = path.trim_end_matches('/');
    match (method.as_str(), trimmed) {
        ("GET", "/petstore/pets") => {
            let page = query
                .get("page")
                .and_then(|p| p.parse::<u64>().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1);
            let pet_type = query
                .get("type")
                .map(String::as_str)
                .filter(|t| !t.is_empty());
            let pets: Vec<_> = (1..=3).map(|i| pet((page - 1) * 3 + i, pet_type)).collect();
            json_response(StatusCode::OK, &serde_json::Value::Array(pets))
        }
        ("POST", "/petstore/pets") => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(new_pet) => json_response(
                StatusCode::OK,
                &serde_json::json!({ "pet": new_pet, "message": "success" }),
            ),
            Err(_) => json_response(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({ "message": "The request body must be a JSON pet." }),
            ),
        },
        ("GET", p) if p.starts_with("/petstore/pets/") => {
            let id = &p["/petstore/pets/".len()..];
            match id.parse::<u64>() {
                Ok(n) if n >= 1 && !id.contains('/') => {
                    json_response(StatusCode::OK, &pet(n, None))
                }
                _ => json_response(
                    StatusCode::NOT_FOUND,
                    &serde_json::json!({ "message": format!("Pet {id} not found") }),
                ),
            }
        }
        _ => cannot(&method, &path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pets_are_listed_as_the_tutorials_show() {
        assert_eq!(
            serde_json::to_string(&pet(1, None)).unwrap(),
            r#"{"id":1,"type":"dog","price":249.99}"#
        );
        assert_eq!(
            serde_json::to_string(&pet(5, Some("cat"))).unwrap(),
            r#"{"id":5,"type":"cat","price":249.99}"#
        );
        assert_eq!(
            serde_json::to_string_pretty(&pet(2, None)).unwrap().len(),
            49,
            "content-length AWS sends for /pets/2"
        );
    }

    #[test]
    fn the_example_api_has_the_console_resources() {
        let region = Region::parse("us-east-1").unwrap();
        let text = example_document("PetStore", &region).unwrap();
        let imported =
            crate::model::openapi::import(&crate::scenario::document::parse(&text).unwrap())
                .unwrap();
        assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
        let api = imported.definition;
        let paths: Vec<_> = api.resources().iter().map(|r| r.path.clone()).collect();
        assert_eq!(paths, vec!["/", "/pets", "/pets/{petId}"]);
        assert!(api.route("/pets", "POST").is_some());
        assert!(api.route("/", "POST").is_none());
        assert!(example_document("Nope", &region).is_none());
    }
}
