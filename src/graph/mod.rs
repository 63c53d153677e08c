//! Frame plumbing shared by the passes: the transient texture pool.

pub mod pool;

pub use pool::{PooledTexture, TexturePool, TransientDesc};
