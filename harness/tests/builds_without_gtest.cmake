# ctest harness.builds_without_gtest: configure the project as if GoogleTest were not installed, then
# check that the perfgate target is there to build and no test target is (compiling it again would
# double the test time for no new information: the sources are the ones the main build compiles).
file(REMOVE_RECURSE "${BIN}")
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SRC}" -B "${BIN}" -G "Unix Makefiles"
                        -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring without GoogleTest failed:\n${out}\n${err}")
endif()
execute_process(COMMAND make help WORKING_DIRECTORY "${BIN}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\.\\.\\. perfgate\n")
  message(FATAL_ERROR "no perfgate target without GoogleTest:\n${out}\n${err}")
endif()
if(out MATCHES "_tests")
  message(FATAL_ERROR "test targets configured without GoogleTest:\n${out}")
endif()
file(REMOVE_RECURSE "${BIN}")
