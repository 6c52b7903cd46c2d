# Turns a text file into a C++ source defining `const char* const NAME`.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}" "namespace unisono {\nextern const char* const ${NAME};\nconst char* const ${NAME} = R\"unisono_embed(${content})unisono_embed\";\n}\n")
