// The mesh vertex stage shared by the G-buffer, forward and shadow passes: object to world
// with the instance matrix (normals by the cofactor matrix), clip position now and last frame.
// The including shader declares `camera: Camera`.

struct VertexIn {
    @location(0) position: vec3f,
    @location(1) normal: vec3f,
    @location(2) tangent: vec4f,
    @location(3) uv0: vec2f,
    @location(4) uv1: vec2f,
    @location(5) color: vec4f,
    // World-from-object matrix of this instance, and last frame's.
    @location(6) model_0: vec4f,
    @location(7) model_1: vec4f,
    @location(8) model_2: vec4f,
    @location(9) model_3: vec4f,
    @location(10) prev_model_0: vec4f,
    @location(11) prev_model_1: vec4f,
    @location(12) prev_model_2: vec4f,
    @location(13) prev_model_3: vec4f,
};

struct VertexOut {
    @builtin(position) clip: vec4f,
    @location(0) normal: vec3f,
    @location(1) tangent: vec4f,
    @location(2) uv0: vec2f,
    @location(3) uv1: vec2f,
    @location(4) color: vec4f,
    @location(5) current_clip: vec4f,
    @location(6) previous_clip: vec4f,
    @location(7) world: vec3f,
};

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    let model = mat4x4f(v.model_0, v.model_1, v.model_2, v.model_3);
    let prev_model = mat4x4f(v.prev_model_0, v.prev_model_1, v.prev_model_2, v.prev_model_3);
    let c0 = v.model_0.xyz;
    let c1 = v.model_1.xyz;
    let c2 = v.model_2.xyz;
    // The cofactor matrix is det * inverse-transpose: right for normals under non-uniform and
    // negative scale once the determinant's sign is applied.
    let det_sign = select(-1.0, 1.0, dot(c0, cross(c1, c2)) >= 0.0);
    let normal_matrix = mat3x3f(cross(c1, c2), cross(c2, c0), cross(c0, c1));
    let world = model * vec4f(v.position, 1.0);
    var out: VertexOut;
    out.clip = camera.view_proj * world;
    out.world = world.xyz;
    out.normal = det_sign * (normal_matrix * v.normal);
    out.tangent = vec4f(mat3x3f(c0, c1, c2) * v.tangent.xyz, v.tangent.w * det_sign);
    out.uv0 = v.uv0;
    out.uv1 = v.uv1;
    out.color = v.color;
    out.current_clip = camera.unjittered_view_proj * world;
    out.previous_clip = camera.prev_view_proj * (prev_model * vec4f(v.position, 1.0));
    return out;
}
