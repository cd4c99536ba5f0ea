//! The control plane's HTTP listener: tells the services apart, runs one call at a time against
//! the state, and applies and persists what a call changed before answering it.
//!
//! A call is routed by its SigV4 credential scope (`.../us-east-1/ec2/aws4_request`), which
//! every AWS CLI, boto3 and SDK request carries; the signature itself is not checked (any
//! credentials are accepted). Unsigned requests get the console.
//!
//! The listener is bounded so that no client can stall it: at most [`MAX_CONNECTIONS`]
//! connections at once (more wait to be accepted), a request head within [`HEAD_DEADLINE`] and
//! [`MAX_HEAD`] bytes, a body within [`BODY_DEADLINE`] and [`MAX_BODY`] bytes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

use super::guard::{self, GuardError, Purpose};
use super::propagation::HeldStages;
use super::store::{StateStore, StoreError};
use super::{ControlContext, ControlRequest, ControlResponse, Handled};
use crate::dataplane::gateway::server::until_stopped;
use crate::model::topology::Topology;
use crate::scenario::config::{Config, ConfigError};

/// Largest request body accepted (an imported OpenAPI document can be large; AWS allows 6 MB
/// for `import-rest-api`).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Largest request head (request line and headers), as the data plane's: the AWS CLI's heads
/// are about 1 KB. hyper answers a larger head 431 and closes.
const MAX_HEAD: usize = 32 * 1024;

/// Longest a connection may take to send a request head, counted from when hyper starts
/// reading it (the accept, or the previous response: an idle keep-alive connection is closed
/// after it too). Nothing is answered; the connection is closed, as AWS's front ends close a
/// connection that sends nothing. The AWS CLI sends its head in one write.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);

/// Longest a body may take to arrive after its head: a 16 MB body takes milliseconds on the
/// loopback, so only a client that drips is refused (408, and the connection closes).
const BODY_DEADLINE: Duration = Duration::from_secs(30);

/// Most connections served at once. Beyond this the listener stops accepting until one
/// closes: new connections wait in the kernel's backlog (and are served once the deadlines free
/// a slot) instead of being refused, so a burst of CLI calls is delayed, never failed.
const MAX_CONNECTIONS: usize = 256;

/// Makes a validated topology the one being served (DNS, HTTPS listeners, routing).
pub trait ApplyTopology: Send + Sync {
    /// Serves `topology` from now on, or says why not (it needs a restart, or a new endpoint
    /// address cannot be listened on).
    fn serve(&self, topology: Topology) -> Result<(), ApplyError>;
}

/// Why a change was not made: what is served and saved stays as it was.
///
/// Each variant shows exactly its cause's message: callers get it as the text of an
/// `InternalError`/`InternalFailure` answer.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The data plane refused the new topology (it needs a restart, or a new endpoint address
    /// cannot be listened on).
    #[error("{0}")]
    Refused(String),
    /// What the data plane would serve (the state with held deployments as they were) does not
    /// validate.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// The new state cannot be written to the state directory.
    #[error(transparent)]
    Unsaved(#[from] StoreError),
}

/// The data plane's refusal, as [`ApplyTopology::apply`] words it.
/// Which service a call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Ec2,
    ApiGateway,
    Console,
}

/// The control plane's state and how changes reach the data plane.
pub struct ControlPlane {
    state: ArcSwap<Config>,
    /// One change at a time; the data plane never takes it, and it is never held across an
    /// `.await`.
    writer: std::sync::Mutex<Writer>,
    store: Option<StateStore>,
    serving: Arc<dyn ApplyTopology>,
    console: crate::controlplane::console::Console,
    /// Itself, for the timers that let held deployments through.
    me: std::sync::Weak<ControlPlane>,
}

/// What only writers touch.
struct Writer {
    /// The state as the data plane serves it (held deployments as they were).
    served: Config,
    held: HeldStages,
}

impl ControlPlane {
    /// A control plane over `state` (already served), persisting to `store` when given, with
    /// the web console for unsigned page loads.
    pub fn new(
        state: Config,
        store: Option<StateStore>,
        serving: Arc<dyn ApplyTopology>,
        console: crate::controlplane::console::Console,
    ) -> Arc<ControlPlane> {
        Arc::new_cyclic(|me| ControlPlane {
            writer: std::sync::Mutex::new(Writer {
                served: state.clone(),
                held: HeldStages::default(),
            }),
            state: ArcSwap::from_pointee(state),
            store,
            serving,
            console,
            me: me.clone(),
        })
    }

    /// The current state.
    pub fn state(&self) -> Arc<Config> {
        self.state.load_full()
    }

    /// Replaces the whole state (a reload of the scenario file), persisting it; it is served at
    /// once, held deployments included.
    pub fn reload(&self, config: Config, topology: Topology) -> Result<(), ApplyError> {
        let mut writer = self.lock_writer();
        writer.held.clear();
        self.commit(&mut writer, config, topology, false)
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Writer> {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Persists, applies (with new deployments held back when the state asks for a propagation
    /// delay), then records `config`, which validated into `topology`, as the state.
    fn commit(
        &self,
        writer: &mut Writer,
        config: Config,
        topology: Topology,
        from_call: bool,
    ) -> Result<(), ApplyError> {
        let delay = Duration::from_secs(
            config
                .emulator
                .control_plane
                .deployment_propagation_seconds
                .unwrap_or(0),
        );
        let mut held = writer.held.clone();
        if from_call && !delay.is_zero() {
            held.hold_changes(&writer.served, &config, delay, Instant::now());
        }
        let served = held.served(&config);
        // Only held stages make what is served differ from the state.
        let topology = match held.next_due() {
            None => topology,
            Some(_) => super::validate(&served)?,
        };
        // On failure nothing changed: the previous holds stay as they were.
        self.save_and_serve(&config, topology)?;
        if let Some(due) = held.next_due() {
            self.release_at(due);
        }
        writer.held = held;
        writer.served = served;
        self.state.store(Arc::new(config));
        Ok(())
    }

    /// Saves `config`, then serves `topology`; if it cannot be served, the file goes back to the
    /// state being served.
    fn save_and_serve(&self, config: &Config, topology: Topology) -> Result<(), ApplyError> {
        if let Some(store) = &self.store {
            store.save(config)?;
        }
        self.serving.serve(topology).inspect_err(|_| {
            if let Some(store) = &self.store {
                let _ = store.save(&self.state.load());
            }
        })
    }

    /// Serves held deployments once they are due.
    fn release_at(&self, due: Instant) {
        let me = self.me.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let Some(plane) = me.upgrade() else { return };
            let mut writer = plane.lock_writer();
            if !writer.held.release_due(Instant::now()) {
                // Woken before the due time (timer rounding), or the hold was extended by a
                // newer deployment: wait for whatever is due next.
                if let Some(next) = writer.held.next_due() {
                    plane.release_at(next);
                }
                return;
            }
            let state = plane.state.load_full();
            let served = writer.held.served(&state);
            match plane.serve_validated(&served) {
                Ok(()) => writer.served = served,
                Err(e) => tracing::error!("control plane: a deployment could not be served: {e}"),
            }
            if let Some(next) = writer.held.next_due() {
                plane.release_at(next);
            }
        });
    }

    /// Validates `served` and serves it.
    fn serve_validated(&self, served: &Config) -> Result<(), ApplyError> {
        self.serving.serve(super::validate(served)?)
    }

    /// Answers one call that arrived on `local` (the guard's "own address").
    pub async fn call(&self, request: &ControlRequest, local: SocketAddr) -> ControlResponse {
        let ctx = ControlContext::now();
        let routed = route(request);
        let purpose = match routed {
            Ok(Service::Ec2 | Service::ApiGateway) => Purpose::Service,
            Ok(Service::Console) if request.method == http::Method::POST => Purpose::ConsoleWrite,
            // Unroutable calls change nothing: only their Host is checked.
            Ok(Service::Console) | Err(_) => Purpose::ConsoleRead,
        };
        if let Err(refused) = guard::check(request, local, purpose, self.console.token()) {
            // The path is logged quoted (`?`): what a client sent cannot start a new log line;
            // the refusal quotes what it repeats.
            tracing::warn!(
                method = %request.method,
                path = ?request.path,
                "control plane: refused: {refused}"
            );
            let service = routed.unwrap_or(Service::Console);
            return finish(forbidden(service, &refused, &ctx), &ctx);
        }
        let service = match routed {
            Ok(s) => s,
            Err(response) => return finish(response, &ctx),
        };
        let handler: fn(&ControlRequest, &Config, &ControlContext) -> Handled = match service {
            Service::Ec2 => super::ec2::handle,
            Service::ApiGateway => super::apigateway::handle,
            // Pages only read; they never take the writer lock.
            Service::Console => {
                return finish(
                    crate::controlplane::console::handle(request, &self.console).await,
                    &ctx,
                )
            }
        };
        let mut writer = self.lock_writer();
        let current = self.state.load_full();
        let handled = handler(request, &current, &ctx);
        let response = match handled.change {
            Some(change) => match self.commit(&mut writer, change.state, change.topology, true) {
                Ok(()) => handled.response,
                Err(e) => {
                    tracing::error!("control plane: change not applied: {e}");
                    internal_error(service, &e.to_string(), &ctx)
                }
            },
            None => handled.response,
        };
        finish(response, &ctx)
    }
}

/// Adds the headers every AWS response has.
fn finish(mut response: ControlResponse, ctx: &ControlContext) -> ControlResponse {
    response
        .headers
        .push(("x-amzn-RequestId".to_string(), ctx.request_id.clone()));
    response
}

/// The service named by the SigV4 credential scope, or the console for unsigned page loads.
fn route(request: &ControlRequest) -> Result<Service, ControlResponse> {
    let scope_service = request
        .header("authorization")
        .and_then(|a| a.strip_prefix("AWS4-HMAC-SHA256"))
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .and_then(|c| c.split('/').nth(3))
        .map(str::to_string)
        // Presigned URLs carry the scope in the query.
        .or_else(|| {
            request
                .query_param("X-Amz-Credential")
                .and_then(|c| c.split('/').nth(3))
                .map(str::to_string)
        });
    match scope_service.as_deref() {
        Some("ec2") => Ok(Service::Ec2),
        Some("apigateway") => Ok(Service::ApiGateway),
        Some(other) => Err(ControlResponse::json(
            400,
            &serde_json::json!({
                "message": format!("the emulator's control plane serves ec2 and apigateway, not {other}")
            }),
        )),
        None if request.method == http::Method::GET && !request.path.starts_with("/restapis") => {
            Ok(Service::Console)
        }
        // The console's one form that does something (explain's "send it for real").
        None if request.method == http::Method::POST && request.path.starts_with("/console/") => {
            Ok(Service::Console)
        }
        None if request.path.starts_with("/restapis") => {
            let mut r = ControlResponse::json(
                403,
                &serde_json::json!({"message": "Missing Authentication Token"}),
            );
            r.headers.push((
                "x-amzn-ErrorType".to_string(),
                "MissingAuthenticationTokenException".to_string(),
            ));
            Err(r)
        }
        None => Err(ControlResponse::new(
            401,
            "text/xml;charset=UTF-8",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>MissingAuthenticationToken</Code><Message>Request is missing Authentication Token</Message></Error></Errors><RequestID></RequestID></Response>",
        )),
    }
}

/// A request the guard refused, as the service it addressed words a refusal: EC2's
/// `UnauthorizedOperation` (403, what EC2 answers a caller it does not let act), API Gateway's
/// `AccessDeniedException` (403), or a console page.
fn forbidden(service: Service, refused: &GuardError, ctx: &ControlContext) -> ControlResponse {
    let message = refused.to_string();
    match service {
        Service::Ec2 => ControlResponse::new(
            403,
            "text/xml;charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
                super::markup::xml(&message),
                ctx.request_id
            ),
        ),
        Service::ApiGateway => {
            let mut r = ControlResponse::json(403, &serde_json::json!({ "message": message }));
            r.headers.push((
                "x-amzn-ErrorType".to_string(),
                "AccessDeniedException".to_string(),
            ));
            r
        }
        Service::Console => crate::controlplane::console::forbidden(&message),
    }
}

/// A change that validated but could not be served or saved, in the service's error format.
fn internal_error(service: Service, message: &str, ctx: &ControlContext) -> ControlResponse {
    match service {
        Service::Ec2 => ControlResponse::new(
            500,
            "text/xml;charset=UTF-8",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InternalError</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
                super::markup::xml(message),
                ctx.request_id
            ),
        ),
        _ => {
            let mut r = ControlResponse::json(500, &serde_json::json!({ "message": message }));
            r.headers.push((
                "x-amzn-ErrorType".to_string(),
                "InternalFailure".to_string(),
            ));
            r
        }
    }
}

/// The running control-plane listener.
pub struct ControlServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ControlServer {
    /// Serves `plane` over plain HTTP/1.1 on `listener` (loopback by default: the AWS CLI
    /// talks to `--endpoint-url http://127.0.0.1:PORT`).
    pub fn start(
        listener: TcpListener,
        plane: Arc<ControlPlane>,
    ) -> std::io::Result<ControlServer> {
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, plane, stopped));
        Ok(ControlServer { addr, stop, task })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting; calls in progress finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Accepts connections while fewer than [`MAX_CONNECTIONS`] are open, until `stopped` changes.
async fn accept_loop(
    listener: TcpListener,
    plane: Arc<ControlPlane>,
    stopped: watch::Receiver<bool>,
) {
    let addr = listener.local_addr().ok();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_DEADLINE)
        .max_header_size(MAX_HEAD);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut stop_accepting = stopped.clone();
    loop {
        if slots.available_permits() == 0 {
            tracing::warn!(
                max_connections = MAX_CONNECTIONS,
                "control plane: connection limit reached; new connections wait"
            );
        }
        let slot = tokio::select! {
            _ = stop_accepting.changed() => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let tcp = tokio::select! {
            _ = stop_accepting.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    tracing::warn!("control plane: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // The address the client connected to: a Host naming it is this server.
        let Some(local) = tcp.local_addr().ok().or(addr) else {
            continue;
        };
        let (plane, builder, mut stopped) = (plane.clone(), builder.clone(), stopped.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
                let plane = plane.clone();
                async move { Ok::<_, Infallible>(serve(&plane, req, local).await) }
            });
            let conn = builder.serve_connection(TokioIo::new(tcp), service);
            until_stopped(conn, &mut stopped).await;
        });
    }
}

async fn serve(
    plane: &ControlPlane,
    req: http::Request<Incoming>,
    local: SocketAddr,
) -> http::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let collected = tokio::time::timeout(BODY_DEADLINE, Limited::new(body, MAX_BODY).collect());
    let body = match collected.await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(_)) => {
            return to_http(ControlResponse::json(
                413,
                &serde_json::json!({"message": format!("Request body larger than {MAX_BODY} bytes")}),
            ))
        }
        Err(_) => return to_http(body_too_slow()),
    };
    let request = ControlRequest {
        method: parts.method,
        path: crate::aws::percent::decode(parts.uri.path()),
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    let started = std::time::Instant::now();
    let response = plane.call(&request, local).await;
    tracing::debug!(
        method = %request.method,
        path = %request.path,
        status = response.status,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "control plane call"
    );
    to_http(response)
}

/// A body that did not arrive within [`BODY_DEADLINE`]: 408, and the connection closes (the
/// rest of the body is not waited for).
fn body_too_slow() -> ControlResponse {
    let message = format!(
        "Request body not received within {} seconds",
        BODY_DEADLINE.as_secs()
    );
    let mut r = ControlResponse::json(408, &serde_json::json!({ "message": message }));
    r.headers
        .push(("Connection".to_string(), "close".to_string()));
    r
}

/// `a=1&b=x%20y` → pairs; `+` is a space, as forms encode it.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                crate::aws::percent::decode_form(k),
                crate::aws::percent::decode_form(v),
            )
        })
        .collect()
}

fn to_http(response: ControlResponse) -> http::Response<Full<Bytes>> {
    let mut builder = http::Response::builder().status(response.status);
    for (name, value) in &response.headers {
        builder = builder.header(name, value);
    }
    builder
        .header("Date", crate::dataplane::gateway::http1::http_date())
        .body(Full::new(Bytes::from(response.body)))
        .unwrap_or_else(|_| {
            let mut r = http::Response::new(Full::new(Bytes::from_static(
                b"{\"message\":\"bad response header\"}",
            )));
            *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}

impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlPlane").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_apply_error_reads_as_its_cause() {
        let refused = ApplyError::Refused("the new scenario needs a restart: region".to_string());
        assert!(matches!(refused, ApplyError::Refused(_)));
        assert_eq!(
            refused.to_string(),
            "the new scenario needs a restart: region"
        );
        let unsaved = StoreError::Write {
            path: "/state/state.json".into(),
            source: std::io::Error::other("disk full"),
        };
        let message = unsaved.to_string();
        assert_eq!(ApplyError::from(unsaved).to_string(), message);
    }
}
