//! TR-DPO's reference sync (Gorbatovski et al., arXiv 2404.09656, §3 "soft update"), as TRL's
//! `SyncRefModelCallback` runs it (trl/trainer/callbacks.py, `on_step_end`): after every
//! optimizer step whose count is a multiple of `ref_model_sync_steps`, each reference weight
//! becomes α·θ + (1 − α)·θ_ref. Counted over RL's optimizer steps; the warm-up's are not RL's.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Tensor;

use super::Trainer;
use crate::policy::Transformer;

impl Trainer {
    /// Counts one RL optimizer step, keeps the policy's version for a lagging sampler, and syncs
    /// the reference when the count says so.
    pub(super) fn after_rl_update(&mut self) {
        self.rl_updates += 1;
        self.keep_version();
        let t = &self.config.train;
        if !t.sync_ref_model || !self.rl_updates.is_multiple_of(t.ref_model_sync_steps) {
            return;
        }
        if let Some(reference) = self.reference.take() {
            let policy = self.policy.valid();
            self.reference = Some(mix(reference, &policy, t.ref_model_mixup_alpha));
        }
    }
}

/// `alpha`·`policy` + (1 − `alpha`)·`reference`, weight by weight (the two share a layout).
fn mix(reference: Transformer, policy: &Transformer, alpha: f64) -> Transformer {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val();
            let n = value.shape().num_elements();
            self.0.push(value.reshape([n]));
        }
    }
    struct Blend {
        policy: std::vec::IntoIter<Tensor<1>>,
        alpha: f64,
    }
    impl ModuleMapper for Blend {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let theta = self
                .policy
                .next()
                .expect("the policy has the reference's layout");
            let alpha = self.alpha;
            param.map(|r| {
                let shape = r.dims();
                r.mul_scalar(1.0 - alpha) + theta.reshape(shape).mul_scalar(alpha)
            })
        }
    }
    let mut weights = Collect(Vec::new());
    policy.visit(&mut weights);
    reference.map(&mut Blend {
        policy: weights.0.into_iter(),
        alpha,
    })
}

#[cfg(test)]
mod tests {
    use burn::tensor::Device;

    use super::*;
    use crate::policy::ModelConfig;

    fn weights(model: &Transformer) -> Vec<f32> {
        struct Flat(Vec<f32>);
        impl ModuleVisitor for Flat {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.extend(param.val().into_data().iter::<f32>());
            }
        }
        let mut flat = Flat(Vec::new());
        model.visit(&mut flat);
        flat.0
    }

    fn model(seed: u64) -> Transformer {
        let device = Device::flex();
        device.seed(seed);
        ModelConfig::default().init(&device)
    }

    #[test]
    fn the_mix_is_alpha_of_the_policy_and_the_rest_of_the_reference() {
        let (reference, policy) = (model(1), model(2));
        let (r, p) = (weights(&reference), weights(&policy));
        let mixed = weights(&mix(reference.clone(), &policy, 0.6));
        assert_eq!(mixed.len(), r.len());
        for ((m, r), p) in mixed.iter().zip(&r).zip(&p) {
            assert!((m - (0.4 * r + 0.6 * p)).abs() < 1e-6, "{m} vs {r}, {p}");
        }
        assert_eq!(weights(&mix(reference.clone(), &policy, 1.0)), p);
        assert_eq!(weights(&mix(reference, &policy, 0.0)), r);
    }
}
