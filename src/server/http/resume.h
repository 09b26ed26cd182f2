/* resume.h: http.c's resumer thread (resume.c), which resumes requests
 * handed to http_resume_later. */
#ifndef KASSA_HTTP_RESUME_H
#define KASSA_HTTP_RESUME_H

/* Start the thread: 0, or -1 (http_resume_later then resumes at once). */
int resumer_start(void);

/* Resume what is queued, stop the thread. */
void resumer_stop(void);

#endif
