#include "include/0.wgsl
