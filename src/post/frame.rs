//! One frame of the post chain as its passes see it ([`FrameContext`]): the device, the
//! frame's encoder and timer, the transient pool, and the variant (fragment or compute) the
//! chain picked once for the frame.
//!
//! [`FrameContext::run`] records a pass under the timing scope of its name with the variant
//! picked, so no step of the chain chooses again; [`FrameContext::target`] lends an image
//! from the pool, which goes back by itself when its last handle is dropped
//! ([`crate::graph::PooledTexture`]).

use crate::gpu::PassTimer;
use crate::graph::{PooledTexture, TexturePool, TransientDesc};

/// One frame's recording state; see the module documentation.
pub struct FrameContext<'a> {
    /// The device.
    pub device: &'a wgpu::Device,
    /// The queue (uniform uploads).
    pub queue: &'a wgpu::Queue,
    /// The frame's encoder (inside a timing scope: the scope's).
    pub encoder: &'a mut wgpu::CommandEncoder,
    /// Transient images.
    pub pool: &'a mut TexturePool,
    /// The frame's timing scopes.
    pub timer: &'a PassTimer,
    /// Whether the full-screen passes run their compute variant this frame.
    pub compute: bool,
}

impl FrameContext<'_> {
    /// Run `record` inside the timing scope `name` (a pass's name: the bench's row, the
    /// viewer's timing line, the governor's knob).
    pub fn scope<R>(&mut self, name: &str, record: impl FnOnce(&mut FrameContext<'_>) -> R) -> R {
        let (device, queue, timer, compute) = (self.device, self.queue, self.timer, self.compute);
        let pool = &mut *self.pool;
        timer.scope(name, self.encoder, |encoder| {
            record(&mut FrameContext { device, queue, encoder, pool, timer, compute })
        })
    }

    /// Record `pass` under the timing scope `name` with the frame's variant: `fragment` or
    /// `compute`, each given the pass and the context.
    pub fn run<P, R>(
        &mut self,
        name: &str,
        pass: &mut P,
        fragment: impl FnOnce(&mut P, &mut FrameContext<'_>) -> R,
        compute: impl FnOnce(&mut P, &mut FrameContext<'_>) -> R,
    ) -> R {
        let use_compute = self.compute;
        self.scope(name, |ctx| if use_compute { compute(pass, ctx) } else { fragment(pass, ctx) })
    }

    /// An image from the pool matching `desc`, created with `label` if none is free. It goes
    /// back to the pool when its last handle is dropped.
    pub fn target(&mut self, label: &str, desc: &TransientDesc) -> PooledTexture {
        self.pool.acquire(self.device, label, desc)
    }
}
