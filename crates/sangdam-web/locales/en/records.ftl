# Questionnaires and counselors' own forms (issue 5).
band-minimal = minimal
band-mild = mild
band-moderate = moderate
band-moderately-severe = moderately severe
band-severe = severe
error-form-title = Give the form a title of at most 100 characters.
error-form-questions = A form has between 1 and 50 questions.
error-form-label = Every question needs a label of at most 300 characters.
error-form-options = A choice question needs 2 to 20 different options of at most 100 characters.
error-answer-required = Please answer this question.
error-answer-too-long = This answer is too long.
error-answer-invalid = Please choose one of the answers offered.
