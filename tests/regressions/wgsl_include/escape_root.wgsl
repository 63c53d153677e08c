#include "../secret.wgsl"
