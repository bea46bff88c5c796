// las2laz: compresses a LAS file to LAZ with the LASzip library (the reference LAZ encoder), point by
// point, keeping the header and VLRs. Used by `pnpm bench scene` (LAZ input beside LAS) and to make the
// committed LAZ test fixtures. Usage: las2laz IN.las OUT.laz [CHUNK_SIZE]
#include <cstdio>
#include <cstdlib>
#include <laszip_api.h>

static int fail(laszip_POINTER p, const char *what) {
  laszip_CHAR *error = nullptr;
  if (p) laszip_get_error(p, &error);
  std::fprintf(stderr, "las2laz: %s: %s\n", what, error ? error : "unknown error");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: las2laz IN.las OUT.laz [CHUNK_SIZE]\n");
    return 64;
  }
  laszip_POINTER reader = nullptr, writer = nullptr;
  laszip_BOOL compressed = 0;
  if (laszip_create(&reader)) return fail(nullptr, "create reader");
  if (laszip_open_reader(reader, argv[1], &compressed)) return fail(reader, "open reader");
  laszip_header *header = nullptr;
  if (laszip_get_header_pointer(reader, &header)) return fail(reader, "header");
  laszip_point *in = nullptr;
  if (laszip_get_point_pointer(reader, &in)) return fail(reader, "point");
  if (laszip_create(&writer)) return fail(nullptr, "create writer");
  if (laszip_set_header(writer, header)) return fail(writer, "set header");
  if (argc > 3 && laszip_set_chunk_size(writer, (laszip_U32)std::strtoul(argv[3], nullptr, 10))) return fail(writer, "chunk size");
  if (laszip_open_writer(writer, argv[2], 1)) return fail(writer, "open writer");
  laszip_I64 count = header->number_of_point_records ? header->number_of_point_records : (laszip_I64)header->extended_number_of_point_records;
  for (laszip_I64 i = 0; i < count; i++) {
    if (laszip_read_point(reader)) return fail(reader, "read point");
    if (laszip_set_point(writer, in)) return fail(writer, "set point");
    if (laszip_write_point(writer)) return fail(writer, "write point");
  }
  if (laszip_close_writer(writer)) return fail(writer, "close writer");
  laszip_close_reader(reader);
  laszip_destroy(writer);
  laszip_destroy(reader);
  return 0;
}
