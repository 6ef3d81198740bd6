// Python's repr() of a float: the shortest digits that round-trip, "1.0" for integral values,
// exponent form ("1e+16", "1e-05") outside [1e-4, 1e16), "nan", "inf", "-inf". Shared by the
// codec's repr() and the Python-compatible JSON writer. Pure; thread-safe.
#pragma once

#include <string>

namespace conflux {

std::string python_float_repr(double x);

}  // namespace conflux
