//! Deployment propagation: AWS says a deployment "can take a few minutes to propagate". With
//! `emulator.controlPlane.deploymentPropagationSeconds`, a stage keeps serving the deployment it
//! had (or, if it is new, does not exist yet) for that long after a call points it elsewhere.
//!
//! Only what the data plane serves lags; every control-plane call sees the new state at once, as
//! on AWS (`get-stage` shows the new `deploymentId` while requests still meet the old one).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::scenario::config::{Config, DeploymentConfig};

/// A stage whose new deployment is not served yet.
#[derive(Debug, Clone)]
struct Held {
    /// The deployment it served, with its frozen definition (it may be deleted meanwhile);
    /// `None`: the stage did not exist.
    served: Option<(String, Option<DeploymentConfig>)>,
    /// When the new deployment reaches it.
    due: Instant,
}

/// Stages held back, by (API id, stage name).
#[derive(Debug, Default, Clone)]
pub struct HeldStages {
    held: HashMap<(String, String), Held>,
}

impl HeldStages {
    /// Holds back every stage whose deployment `new` changes from what `served` serves.
    pub fn hold_changes(&mut self, served: &Config, new: &Config, delay: Duration, now: Instant) {
        for api in &new.rest_apis {
            let served_api = served.rest_apis.iter().find(|a| a.id == api.id);
            for stage in &api.stages {
                let key = (api.id.clone(), stage.stage_name.clone());
                let served_stage = served_api
                    .and_then(|a| a.stages.iter().find(|s| s.stage_name == stage.stage_name));
                let before = match served_stage {
                    None => None,
                    // A stage serving the API as it is (a scenario's own stage, before the first
                    // change freezes it) changes what it serves only through a deployment id.
                    Some(s) => match &s.deployment_id {
                        None => continue,
                        Some(id) => Some(id.clone()),
                    },
                };
                if before.is_some() && before == stage.deployment_id {
                    continue;
                }
                let due = now + delay;
                match self.held.get_mut(&key) {
                    // Still lagging: the newest deployment arrives a full delay after its call.
                    Some(h) => h.due = due,
                    None => {
                        let served = before.map(|id| {
                            let frozen = served_api
                                .and_then(|a| a.deployments.iter().find(|d| d.id == id))
                                .cloned();
                            (id, frozen)
                        });
                        self.held.insert(key, Held { served, due });
                    }
                }
            }
        }
    }

    /// Lets every hold that is due go; true when one went.
    pub fn release_due(&mut self, now: Instant) -> bool {
        let before = self.held.len();
        self.held.retain(|_, h| h.due > now);
        self.held.len() != before
    }

    /// Forgets every hold (a reload serves the scenario as it is).
    pub fn clear(&mut self) {
        self.held.clear();
    }

    /// When the next hold is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.held.values().map(|h| h.due).min()
    }

    /// `state` as the data plane serves it now: held stages as they were.
    pub fn served(&self, state: &Config) -> Config {
        let mut out = state.clone();
        if self.held.is_empty() {
            return out;
        }
        for api in &mut out.rest_apis {
            let api_id = api.id.clone();
            let mut restore = Vec::new();
            api.stages.retain_mut(|stage| {
                match self.held.get(&(api_id.clone(), stage.stage_name.clone())) {
                    None => true,
                    Some(Held { served: None, .. }) => false,
                    Some(Held {
                        served: Some((id, frozen)),
                        ..
                    }) => {
                        stage.deployment_id = Some(id.clone());
                        restore.extend(frozen.clone());
                        true
                    }
                }
            });
            for deployment in restore {
                if !api.deployments.iter().any(|d| d.id == deployment.id) {
                    api.deployments.push(deployment);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_deployments(stage_deployment: Option<&str>) -> Config {
        let mut v: serde_json::Value =
            serde_json::from_str(crate::scenario::config::SEED_SCENARIO).unwrap();
        let body = serde_json::json!({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}});
        let policy = v["restApis"][0]["policy"].clone();
        v["restApis"][0]["deployments"] = serde_json::json!([
            {"id": "aaa111", "body": body, "policy": policy},
            {"id": "bbb222", "body": body, "policy": policy}
        ]);
        match stage_deployment {
            Some(id) => v["restApis"][0]["stages"][0]["deploymentId"] = id.into(),
            None => {
                v["restApis"][0]["stages"] = serde_json::json!([]);
            }
        }
        Config::from_value(v, crate::scenario::config::ConfigOrigin::Inline).unwrap()
    }

    #[test]
    fn a_redeployed_stage_serves_its_old_deployment_until_due() {
        let served = with_deployments(Some("aaa111"));
        let mut new = with_deployments(Some("bbb222"));
        // The old deployment was deleted in the new state: it is still served while held.
        new.rest_apis[0].deployments.retain(|d| d.id != "aaa111");
        let mut held = HeldStages::default();
        let now = Instant::now();
        held.hold_changes(&served, &new, Duration::from_secs(60), now);
        let lagging = held.served(&new);
        assert_eq!(
            lagging.rest_apis[0].stages[0].deployment_id.as_deref(),
            Some("aaa111")
        );
        assert!(lagging.rest_apis[0]
            .deployments
            .iter()
            .any(|d| d.id == "aaa111"));
        if let Err(e) = crate::controlplane::validate(&lagging) {
            panic!("{e}");
        }
        assert!(!held.release_due(now + Duration::from_secs(59)));
        assert!(held.release_due(now + Duration::from_secs(60)));
        assert_eq!(
            held.served(&new).rest_apis[0].stages[0]
                .deployment_id
                .as_deref(),
            Some("bbb222")
        );
    }

    #[test]
    fn a_new_stage_does_not_exist_until_due_and_unchanged_stages_are_not_held() {
        let served = with_deployments(None);
        let new = with_deployments(Some("aaa111"));
        let mut held = HeldStages::default();
        let now = Instant::now();
        held.hold_changes(&served, &new, Duration::from_secs(5), now);
        assert!(held.served(&new).rest_apis[0].stages.is_empty());
        assert_eq!(held.next_due(), Some(now + Duration::from_secs(5)));

        let mut again = HeldStages::default();
        again.hold_changes(&new, &new, Duration::from_secs(5), now);
        assert!(again.next_due().is_none());
    }
}
