src/server/CMakeFiles/booking_openapi.dir/embed-booking_openapi/booking_openapi_json.c.o: \
 /work/wt-sqlite-2/build2/src/server/embed-booking_openapi/booking_openapi_json.c \
 /usr/include/stdc-predef.h \
 /work/wt-sqlite-2/build2/src/server/embed-booking_openapi/booking_openapi_json.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h
