# Project-wide warnings; CI adds -Werror through GB_WERROR=ON.
set(GB_C_WARNINGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
  -Wvla -Wpointer-arith)
set(GB_CXX_WARNINGS -Wall -Wextra -Wshadow)
if(GB_WERROR)
  list(APPEND GB_C_WARNINGS -Werror)
  list(APPEND GB_CXX_WARNINGS -Werror)
endif()

# gb_module(NAME DIR DEPS...) builds DIR's sources into static library NAME with the project's
# warnings. Each module folder lists its sources by glob so that adding a file needs no edit here.
function(gb_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs) # a module with headers only so far
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:${GB_C_WARNINGS}> $<$<COMPILE_LANGUAGE:CXX>:${GB_CXX_WARNINGS}>)
  target_link_libraries(${name} PUBLIC ${M_DEPS})
endfunction()
