//! Laying a rollout out for the loss: token rows padded to L_max, their masks, and the
//! compaction that drops what the filters dropped before any forward pass.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::tasks::TokenId;
use crate::tasks::vocab::PAD;

/// `[rows, width]` token ids, PAD after each row's end.
pub(crate) fn pad_rows(rows: &[Vec<TokenId>], width: usize, device: &Device) -> Tensor<2, Int> {
    let mut flat = vec![PAD as i64; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        for (c, &t) in row.iter().take(width).enumerate() {
            flat[r * width + c] = t as i64;
        }
    }
    Tensor::from_data(TensorData::new(flat, [rows.len(), width]), device)
}

/// 1 on each row's real tokens, flattened `[rows · width]`.
pub(super) fn mask_rows(rows: &[Vec<TokenId>], width: usize) -> Vec<f32> {
    rows.iter()
        .flat_map(|row| (0..width).map(move |c| if c < row.len() { 1.0 } else { 0.0 }))
        .collect()
}

/// Which rows of a `[P, G, ·]` rollout the update reads: groups with nothing kept are dropped,
/// and when every remaining group keeps the same number k < G of completions (CPPO) only those
/// k are kept — pruning before the forward pass is what saves CPPO its compute.
#[derive(Debug, PartialEq)]
pub(super) struct Compaction {
    /// Surviving groups.
    pub groups: Vec<usize>,
    /// Rows of `[P·G]` to read, `groups.len() × group_size`.
    rows: Vec<i64>,
    /// Completions per surviving group.
    pub group_size: usize,
}

impl Compaction {
    /// The layout for keep flags `kept` (`[P·G]`, 0/1) of P groups of G.
    pub fn plan(kept: &[f64], p: usize, g: usize) -> Self {
        let kept_in = |group: usize| {
            (0..g)
                .filter(|&j| kept[group * g + j] > 0.5)
                .collect::<Vec<_>>()
        };
        let groups: Vec<usize> = (0..p).filter(|&i| !kept_in(i).is_empty()).collect();
        let counts: Vec<usize> = groups.iter().map(|&i| kept_in(i).len()).collect();
        let uniform =
            counts.windows(2).all(|w| w[0] == w[1]) && counts.first().is_some_and(|&k| k < g);
        let (rows, group_size) = if uniform {
            let rows = groups
                .iter()
                .flat_map(|&i| kept_in(i).into_iter().map(move |j| (i * g + j) as i64))
                .collect();
            (rows, counts[0])
        } else {
            (
                groups
                    .iter()
                    .flat_map(|&i| (0..g).map(move |j| (i * g + j) as i64))
                    .collect(),
                g,
            )
        };
        Self {
            groups,
            rows,
            group_size,
        }
    }

    fn index(&self, device: &Device) -> Tensor<1, Int> {
        Tensor::from_data(
            TensorData::new(self.rows.clone(), [self.rows.len()]),
            device,
        )
    }

    /// The surviving rows of a `[P, G, L]` tensor, `[groups, group_size, L]`.
    pub fn apply(&self, t: Tensor<3>, device: &Device) -> Tensor<3> {
        let [p, g, l] = t.dims();
        t.reshape([p * g, l])
            .select(0, self.index(device))
            .reshape([self.groups.len(), self.group_size, l])
    }

    /// [`Compaction::apply`] for token ids.
    pub fn apply_int(&self, t: Tensor<3, Int>, device: &Device) -> Tensor<3, Int> {
        let [p, g, l] = t.dims();
        t.reshape([p * g, l])
            .select(0, self.index(device))
            .reshape([self.groups.len(), self.group_size, l])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_with_nothing_kept_are_dropped_and_the_rest_read_whole() {
        // Group 0 keeps 2 of 3, group 1 nothing, group 2 all three: not uniform, so whole groups.
        let kept = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let c = Compaction::plan(&kept, 3, 3);
        assert_eq!(c.groups, vec![0, 2]);
        assert_eq!(c.group_size, 3);
        assert_eq!(c.rows, vec![0, 1, 2, 6, 7, 8]);
    }

    #[test]
    fn a_uniform_prune_reads_only_the_kept_completions() {
        // CPPO keeping 2 of 4 in every group: only those rows reach the forward pass.
        let kept = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let c = Compaction::plan(&kept, 2, 4);
        assert_eq!((c.groups.clone(), c.group_size), (vec![0, 1], 2));
        assert_eq!(c.rows, vec![1, 2, 4, 7]);
        let device = Device::flex();
        let values: Vec<f32> = (0..8 * 2).map(|x| x as f32).collect();
        let t = Tensor::<3>::from_data(TensorData::new(values, [2, 4, 2]), &device);
        let picked: Vec<f32> = c.apply(t, &device).into_data().iter::<f32>().collect();
        assert_eq!(picked, vec![2.0, 3.0, 4.0, 5.0, 8.0, 9.0, 14.0, 15.0]);
    }

    #[test]
    fn everything_kept_is_read_as_is_and_nothing_kept_reads_nothing() {
        let all = Compaction::plan(&[1.0; 4], 2, 2);
        assert_eq!((all.rows.clone(), all.group_size), (vec![0, 1, 2, 3], 2));
        let none = Compaction::plan(&[0.0; 4], 2, 2);
        assert!(none.groups.is_empty() && none.rows.is_empty());
    }

    #[test]
    fn rows_are_padded_and_masked_to_the_width() {
        let rows = vec![vec![5, 6], vec![7, 8, 9, 10]];
        let padded: Vec<i64> = pad_rows(&rows, 3, &Device::flex())
            .into_data()
            .iter::<i64>()
            .collect();
        assert_eq!(padded, vec![5, 6, PAD as i64, 7, 8, 9]);
        assert_eq!(mask_rows(&rows, 3), vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
    }
}
