# conflux_add_flow(<target> <sources>...)
#
# Builds a flow binary: a C++20 executable that links Conflux and gets main() from the
# CONFLUX_FLOW(...) macro in one of its sources. The binary is the flow's own CLI
# (`./<target> run`, `show`, `check`, ...).
function(conflux_add_flow target)
  if(ARGC LESS 2)
    message(FATAL_ERROR "conflux_add_flow(${target}): give at least one source file")
  endif()
  add_executable(${target} ${ARGN})
  target_compile_features(${target} PRIVATE cxx_std_20)
  target_link_libraries(${target} PRIVATE conflux::conflux)
endfunction()
