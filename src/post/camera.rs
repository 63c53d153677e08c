//! The camera a frame was drawn with, as the post passes see it ([`PostCamera`]).

/// The camera a frame was drawn with, as the passes that need more than its matrices see it
/// (depth of field). Perspective cameras only: reverse-Z depth is `znear / view depth`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PostCamera {
    /// The near plane, scene units.
    pub znear: f32,
    /// Vertical field of view, radians.
    pub yfov: f32,
    /// View depth (along the view axis, scene units) of the scene's bounds centre: depth of
    /// field's autofocus. `None` without a scene (an app's own renderer that knows none).
    pub autofocus_distance: Option<f32>,
}
