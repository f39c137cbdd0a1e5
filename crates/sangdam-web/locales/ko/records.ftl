# 질문지와 상담사가 만든 양식 (이슈 5).
band-minimal = 최소
band-mild = 경도
band-moderate = 중등도
band-moderately-severe = 중등도-고도
band-severe = 고도
error-form-title = 양식 제목을 100자 이내로 적어 주세요.
error-form-questions = 양식에는 질문이 1개에서 50개까지 있어야 합니다.
error-form-label = 모든 질문에 300자 이내의 문구가 필요합니다.
error-form-options = 선택형 질문에는 100자 이내의 서로 다른 보기가 2개에서 20개까지 필요합니다.
error-answer-required = 이 질문에 답해 주세요.
error-answer-too-long = 답이 너무 깁니다.
error-answer-invalid = 주어진 보기 중에서 골라 주세요.
