# 감사 로그: 작업 코드, 결과, 자동 행위자의 표시 이름.
# 작업 id는 audit-action- 뒤에 코드의 . 과 _ 를 모두 - 로 바꾼 것입니다.

## 계정 (account.*)
audit-action-account-delete = 본인 계정 삭제
audit-action-account-invitation-accept = 초대 수락 후 가입
audit-action-account-profile = 본인 프로필 변경
audit-action-account-signup = 회원가입으로 계정 생성
audit-action-account-signup-request = 가입 안내 메일 요청

## 관리 (admin.*)
audit-action-admin-audit-search = 감사 로그 조회
audit-action-admin-invitation-create = 계정 초대 생성
audit-action-client-invite = 내담자 계정 초대
audit-action-admin-invitation-revoke = 계정 초대 취소
audit-action-admin-invitations-read = 초대 목록 조회
audit-action-admin-jobs-list = 백그라운드 작업 목록 조회
audit-action-admin-jobs-retry = 백그라운드 작업 재시도
audit-action-admin-mail-read = 보낸 메일함 메일 열람
audit-action-admin-outbox-list = 보낸 메일함 목록 조회
audit-action-admin-retention = 데이터 보관 기간 변경
audit-action-admin-specialty-delete = 상담 전문 분야 삭제
audit-action-admin-specialty-save = 상담 전문 분야 저장
audit-action-admin-user-deactivate = 사용자 계정 비활성화
audit-action-admin-user-reactivate = 사용자 계정 재활성화
audit-action-admin-user-read = 사용자 정보 조회
audit-action-admin-user-role = 사용자 역할 변경
audit-action-admin-users-search = 사용자 목록 검색

## 예약 (appointment.*)
audit-action-appointment-approve = 예약 요청 승인
audit-action-appointment-book = 상담 예약 신청
audit-action-appointment-cancel = 상담 예약 취소
audit-action-appointment-outcome = 상담 진행 여부 기록
audit-action-appointment-reschedule = 상담 예약 일정 변경

## 예약 목록 (appointments.*)
audit-action-appointments-read = 예약 목록 조회

## 감사 로그 (audit.*)
audit-action-audit-chain = 감사 로그 체인 확인
audit-action-audit-keyed = 감사 로그 체인 키 보호 적용

## 캘린더 (calendar.*)
audit-action-calendar-feed-reset = 비공개 캘린더 주소 재발급

## 내담자 담당 (care.*)
audit-action-care-assign = 내담자 담당 상담사 배정
audit-action-care-end = 내담자 담당 종료

## 채팅 (chat.*)
audit-action-chat-assign = 채팅 상담사 배정
audit-action-chat-break-end = 상담사 회복 휴식 종료
audit-action-chat-close = 채팅 상담 종료
audit-action-chat-dashboard = 채팅 현황판 조회
audit-action-chat-end-abuse = 폭언으로 채팅 종료
audit-action-chat-evidence-lock = 대화 기록 증거 잠금
audit-action-chat-export = 대화 기록 내보내기
audit-action-chat-file = 채팅 파일 저장
audit-action-chat-file-read = 채팅 파일 열람
audit-action-chat-file-share = 채팅 파일 공유
audit-action-chat-message = 채팅 메시지 저장
audit-action-chat-read = 대화 기록 열람
audit-action-chat-start = 채팅 상담 시작
audit-action-chat-take-crisis = 상담사 위기 채팅 인수
audit-action-chat-transcript-to = 대화 기록 메일 발송 요청
audit-action-chat-transcript-link = 대화 기록 링크 열람
audit-action-chat-transfer = 다른 상담사에게 채팅 이관
audit-action-chat-watch = 수퍼바이저 채팅 모니터링

## 채팅 목록 (chats.*)
audit-action-chats-language = 채팅 언어 설정

## 명령줄 (cli.*)
audit-action-cli-keys-rotate = 명령줄에서 암호화 키 교체

## 내담자 (client.*)
audit-action-client-profile-save = 내담자 프로필 저장
audit-action-client-read = 내담자 기록 열람

## 내담자 목록 (clients.*)
audit-action-clients-list = 내담자 목록 조회

## 상담사 (counselor.*)
audit-action-counselor-exception-add = 휴무·추가 근무 일정 추가
audit-action-counselor-photo = 상담사 사진 변경
audit-action-counselor-photo-delete = 상담사 사진 삭제
audit-action-counselor-settings = 상담사 프로필·예약 설정 저장

## 위기 (crisis.*)
audit-action-crisis-alert = 직원에게 위기 알림 발송
audit-action-crisis-assess = 위기 평가 기록
audit-action-crisis-assessment = 위기 평가 내용 저장
audit-action-crisis-close = 위기 사건 종료
audit-action-crisis-detect = 위기 메시지 감지
audit-action-crisis-list = 위기 사건 목록 조회
audit-action-crisis-mail = 위기 알림 메일 발송
audit-action-crisis-on-call = 당직자에게 위기 알림 메일 발송
audit-action-crisis-place = 위기 발생 위치 기록
audit-action-crisis-raise = 위기 수준 상향
audit-action-crisis-read = 위기 사건 열람

## 데이터 (data.*)
audit-action-data-export = 내담자 데이터 내보내기

## 피드백 (feedback.*)
audit-action-feedback-comment = 피드백 의견 저장
audit-action-feedback-read = 상담 피드백 열람
audit-action-feedback-submit = 상담 피드백 제출

## 양식 (form.*)
audit-action-form-answer = 요청 양식 응답 제출
audit-action-form-answers = 양식 응답 내용 저장
audit-action-form-assign = 내담자에게 양식 작성 요청
audit-action-form-save = 사용자 정의 양식 저장
audit-action-form-unassign = 양식 작성 요청 취소

## 메시지 (message.*)
audit-action-message-send = 메시지 발송

## 메시지 목록 (messages.*)
audit-action-messages-read = 메시지 대화 열람

## 상담 기록 (note.*)
audit-action-note-addendum = 상담 기록에 추가 기록 작성
audit-action-note-create = 상담 기록 생성
audit-action-note-read = 상담 기록 열람
audit-action-note-save = 상담 기록 초안 저장
audit-action-note-sign = 상담 기록 서명 및 잠금
audit-action-note-signed = 서명된 상담 기록 무결성 확인
audit-action-note-write = 상담 기록 수정

## 비밀번호 (password.*)
audit-action-password-change = 본인 비밀번호 변경
audit-action-password-reset = 메일 링크로 비밀번호 재설정
audit-action-password-reset-request = 비밀번호 재설정 요청

## 내 상담 (portal.*)
audit-action-portal-read = 내담자 사후 관리 페이지 조회

## 질문지 (questionnaire.*)
audit-action-questionnaire-answers = 질문지 응답 내용 저장
audit-action-questionnaire-submit = 질문지 응답 제출

## 녹화 (recording.*)
audit-action-recording-play = 상담 녹화 재생
audit-action-recording-share = 내담자와 녹화 공유
audit-action-recording-unshare = 녹화 공유 취소

## 위험 (risk.*)
audit-action-risk-client = 내담자 위험 알림 조회
audit-action-risk-mail = 위험 알림 메일 발송
audit-action-risk-response = 위험 질문지 응답 표시

## 위험 알림 (risk_alert.*)
audit-action-risk-alert-acknowledge = 위험 알림 확인

## 위험 알림 목록 (risk_alerts.*)
audit-action-risk-alerts-read = 위험 알림 목록 조회

## 상담실 (room.*)
audit-action-room-chat = 상담실 채팅 메시지 저장
audit-action-room-create = 상담실 생성
audit-action-room-enter = 상담실 입장
audit-action-room-file = 상담실 파일 저장
audit-action-room-file-read = 상담실 파일 열람
audit-action-room-file-share = 상담실 파일 공유
audit-action-room-invite = 상담실 참여자 초대

## 로그인 세션 (session.*)
audit-action-session-end = 로그인 세션 종료
audit-action-session-end-all = 모든 기기 로그아웃
audit-action-session-end-others = 다른 기기 모두 로그아웃

## 로그인 (signin.*)
audit-action-signin-failed = 로그인 시도 실패
audit-action-signin-locked = 계정 잠김으로 로그인 거부
audit-action-signin-ok = 로그인 성공
audit-action-signin-password = 비밀번호 확인, 2단계 인증 대기
audit-action-signin-throttled = 잦은 시도로 로그인 제한
audit-action-signin-two-factor-failed = 2단계 인증 코드 오류

## 회원가입 (signup.*)
audit-action-signup-mail = 가입 안내 메일 발송

## 상담 요약 (summary.*)
audit-action-summary-homework = 상담 요약 과제 저장
audit-action-summary-read = 상담 요약 열람
audit-action-summary-save = 내담자용 상담 요약 저장

## 2단계 인증 (two_factor.*)
audit-action-two-factor-disable = 2단계 인증 해제
audit-action-two-factor-enable = 2단계 인증 설정
audit-action-two-factor-recovery-codes = 2단계 인증 복구 코드 재발급

## 대기 명단 (waitlist.*)
audit-action-waitlist-join = 대기 명단 등록

## 결과
audit-outcome-ok = 허용
audit-outcome-denied = 거부
audit-outcome-locked = 잠김
audit-outcome-failed = 실패
audit-outcome-throttled = 제한됨

## 행위자
audit-actor-product = 상담 시스템(자동)
audit-action-signout = 로그아웃
audit-outcome-expired = 만료
audit-outcome-mailed = 메일 보냄
audit-action-appointment-link-open = 메일의 링크로 예약 확인
audit-action-appointment-link-cancel = 메일의 링크로 예약 취소
audit-action-appointment-link-reschedule = 메일의 링크로 예약 일정 변경
audit-action-api-token-create = API 토큰 생성
audit-action-api-token-revoke = API 토큰 폐기
audit-action-api-appointments-list = API로 예약 목록 조회
audit-action-api-appointment-read = API로 예약 조회
audit-action-api-appointment-change = API로 예약 변경 시도
audit-outcome-personal = 개인 토큰
audit-outcome-service = 서비스 토큰
audit-action-webhook-create = 웹훅 엔드포인트 추가
audit-action-webhook-rotate = 웹훅 비밀 키 교체
audit-action-webhook-disable = 웹훅 엔드포인트 끄기
audit-action-webhook-enable = 웹훅 엔드포인트 켜기
audit-action-webhook-delete = 웹훅 엔드포인트 삭제
audit-action-webhook-replay = 웹훅 다시 보내기
audit-action-webhook-gone = 웹훅 수신처가 410 Gone으로 응답
audit-outcome-disabled = 꺼짐
audit-action-api-clients-list = API로 내담자 목록 조회
audit-action-client-scores-read = 내담자의 설문 점수 조회
audit-action-api-chats-list = API로 실시간 상담 목록 조회
