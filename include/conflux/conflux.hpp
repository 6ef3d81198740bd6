// Conflux: Metaflow for C++. Include this one header to write a flow.
#pragma once

#include "conflux/artifact.hpp"
#include "conflux/cards.hpp"
#include "conflux/codec.hpp"
#include "conflux/config.hpp"
#include "conflux/current.hpp"
#include "conflux/flow.hpp"
#include "conflux/graph.hpp"
#include "conflux/inputs.hpp"
#include "conflux/parameter.hpp"
#include "conflux/status.hpp"
#include "conflux/value.hpp"
