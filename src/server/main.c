#include <stdio.h>
int main(void) { fputs("kassad: not built yet\n", stderr); return 1; }
