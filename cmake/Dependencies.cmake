# Every dependency is a Debian package (scripts/setup installs them), found with pkg-config.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
pkg_check_modules(CYAML REQUIRED IMPORTED_TARGET libcyaml)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(SIMDJSON REQUIRED IMPORTED_TARGET simdjson)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
# The live HTTP endpoint of `gamebench run --http` (bench/run/gb_http.c).
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
# Dense linear algebra of the batch recommenders (EASE's inverse, ALS's normal equations,
# the linear bandits' solves): LAPACKE over OpenBLAS.
pkg_check_modules(LAPACKE REQUIRED IMPORTED_TARGET lapacke)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)

# The JSON parsers measured against simdjson by `gamebench bench json`.
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(JSONC REQUIRED IMPORTED_TARGET json-c)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)

if(GB_BUILD_TESTS)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
endif()

# Debian's libcsv-dev ships no .pc file, so it is the one library located by path.
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
find_library(CSV_LIBRARY csv REQUIRED)
add_library(gb_libcsv INTERFACE)
target_include_directories(gb_libcsv INTERFACE ${CSV_INCLUDE_DIR})
target_link_libraries(gb_libcsv INTERFACE ${CSV_LIBRARY})

find_program(GNUPLOT_EXECUTABLE gnuplot)
if(NOT GNUPLOT_EXECUTABLE)
  message(WARNING "gnuplot not found: runs will write CSV and reports without plots (scripts/setup installs gnuplot-nox)")
endif()
