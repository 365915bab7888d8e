# xfc_add_model(<name> <model.xf> [SET KEY=VALUE...] [TARGET cpu|cuda|vulkan]
#               [CPU <llvm-cpu>] [OPTIONS <xfc flag>...])
#
# Compiles a model description with xfc at build time into
# ${CMAKE_CURRENT_BINARY_DIR}/<name>/ (lib<model>.so, <model>.h, manifest,
# xf/runtime.h) and defines the library target <name>: link it to get the
# typed header on the include path and the model library on the link line.
# <model> is the description's `model NAME` line. CPU defaults to xfc's
# (the build machine); name the deployment CPU when they differ.
function(xfc_add_model name description)
  cmake_parse_arguments(ARG "" "TARGET;CPU" "SET;OPTIONS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "xfc_add_model(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(description "${description}" ABSOLUTE)
  file(STRINGS "${description}" model_line
       REGEX "^[ \t]*model[ \t]+[A-Za-z_][A-Za-z0-9_]*")
  if(NOT model_line)
    message(FATAL_ERROR "xfc_add_model(${name}): ${description} has no 'model NAME' line")
  endif()
  list(GET model_line 0 model_line)
  string(REGEX REPLACE "^[ \t]*model[ \t]+([A-Za-z_][A-Za-z0-9_]*).*" "\\1"
         model "${model_line}")

  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}")
  set(args "${description}" -o "${out}")
  foreach(s IN LISTS ARG_SET)
    list(APPEND args --set "${s}")
  endforeach()
  if(ARG_TARGET)
    list(APPEND args "--target=${ARG_TARGET}")
  endif()
  if(ARG_CPU)
    list(APPEND args "--cpu=${ARG_CPU}")
  endif()
  list(APPEND args ${ARG_OPTIONS})
  get_target_property(xfc xfc::xfc IMPORTED_LOCATION)
  add_custom_command(
    OUTPUT "${out}/lib${model}.so" "${out}/${model}.h" "${out}/${model}.json"
    COMMAND "${xfc}" ${args}
    DEPENDS "${description}" "${xfc}"
    COMMENT "xfc: compiling ${description} into ${out}"
    VERBATIM)
  add_custom_target(${name}_xfc DEPENDS "${out}/lib${model}.so")
  add_library(${name} INTERFACE)
  target_include_directories(${name} INTERFACE "${out}")
  target_link_libraries(${name} INTERFACE "${out}/lib${model}.so")
  add_dependencies(${name} ${name}_xfc)
  set_target_properties(${name} PROPERTIES
    XFC_MODEL "${model}" XFC_LIBRARY "${out}/lib${model}.so")
endfunction()
