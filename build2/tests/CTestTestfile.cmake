# CMake generated Testfile for 
# Source directory: /work/wt-sqlite-2/tests
# Build directory: /work/wt-sqlite-2/build2/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("unit")
subdirs("conformance")
subdirs("stress")
subdirs("fault")
subdirs("cli")
subdirs("http")
subdirs("postgres")
subdirs("check")
subdirs("sim")
subdirs("fuzz")
subdirs("install")
subdirs("loadgen")
subdirs("ha")
