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
  # Every task is a new process of this binary: linking the C++ runtime statically saves each one
  # loading libstdc++.so (about 0.4 ms), and the binary runs on nodes with an older libstdc++.
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
endfunction()
