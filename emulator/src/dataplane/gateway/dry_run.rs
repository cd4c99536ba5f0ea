//! `explain`'s dry run: a request decided by the same steps as [`Gateway::handle_traced`]
//! (endpoint, API, stage, resource and method, both policies), stopped before an integration
//! that would reach outside the emulator (a backend, a Lambda function).
//!
//! MOCK integrations, and methods whose integration is missing or not emulated, call nothing:
//! their answer is computed as a real request's is. A dry run writes no access log and no log
//! line: it is not a request anyone sent.

use std::collections::BTreeMap;

use super::{answer, decide, ConnectionInfo, Gateway, GatewayRequest, Outcome, Trace};
use crate::dataplane::gateway::response::{GatewayResponse, RequestIds};
use crate::model::api::Integration;

/// How a dry run ended.
#[derive(Debug)]
pub enum DryRun {
    /// The answer the client gets, without calling anything: a refusal, or an integration that
    /// calls nothing (MOCK).
    Answered(GatewayResponse),
    /// Every check passed; a real request would call this.
    Stopped(WouldCall),
}

/// The integration a real request would call, with what fills its URI.
#[derive(Debug, Clone)]
pub struct WouldCall {
    /// An `HTTP`/`HTTP_PROXY` or `AWS_PROXY` integration, as the stage's deployment has it.
    pub integration: Integration,
    /// The request's method (what an integration method of `ANY` sends).
    pub request_method: String,
    /// The stage's variables (`${stageVariables.x}` in URIs).
    pub stage_variables: BTreeMap<String, String>,
    /// The matched path parameters, percent-decoded.
    pub path_parameters: Vec<(String, String)>,
}

impl Gateway {
    /// Decides `request` as [`Gateway::handle_traced`] does, stopping before any integration
    /// that would call out of the emulator. Nothing is recorded or logged.
    pub async fn dry_run(&self, conn: &ConnectionInfo, request: GatewayRequest) -> (DryRun, Trace) {
        let ids = RequestIds::generate();
        let topology = self.topology.load_full();
        let mut outcome = Outcome::default();
        let result = match decide(&topology, conn, &request, &mut outcome) {
            Err(refusal) => Err(refusal),
            Ok(decided) => match &decided.route.method.integration {
                Some(integration @ (Integration::Http(_) | Integration::LambdaProxy(_))) => {
                    let would = WouldCall {
                        integration: integration.clone(),
                        request_method: request.method.clone(),
                        stage_variables: decided.routed.stage.variables.clone(),
                        path_parameters: decided.route.path_parameters.clone(),
                    };
                    return (DryRun::Stopped(would), outcome.trace);
                }
                // MOCK, unsupported or missing: answered in the emulator, nothing is called.
                Some(Integration::Mock(_) | Integration::Unsupported(_)) | None => {
                    self.integrate(&topology, conn, &request, &ids, &decided, &mut outcome)
                        .await
                }
            },
        };
        let response = answer(result, &ids, &mut outcome.trace);
        (DryRun::Answered(response), outcome.trace)
    }
}
