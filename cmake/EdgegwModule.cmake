# edgegw_module(NAME): gives target edgegw_NAME an include root that holds only its own folder, so
# `#include "NAME/x.hpp"` resolves for NAME itself and for targets that link it, and for no one else.
# That makes the arrows of DESIGN.md a build-time fact: an include against them does not compile.
function(edgegw_module name)
  set(root ${CMAKE_BINARY_DIR}/include/${name})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${name})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${name} SYMBOLIC)
  endif()
  get_target_property(type edgegw_${name} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(edgegw_${name} INTERFACE ${root})
  else()
    target_include_directories(edgegw_${name} PUBLIC ${root})
  endif()
endfunction()
