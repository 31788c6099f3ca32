// Only the declaration in include/CFuzzerDriver.h matters; libFuzzer (-sanitize=fuzzer) defines the function.
#include "CFuzzerDriver.h"
